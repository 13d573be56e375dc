-- Global subscription state changes by Monday week (local time) and channel (email, push):
-- users whose global state became opted in, subscribed or unsubscribed that week
-- (users.behaviors.subscription.GlobalStateChange; a user counted once per week and state),
-- and the net change (opted in plus subscribed, minus unsubscribed users).
WITH weekly AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(local_date(event_time) AS DATE)) AS DATE) AS week_start,
    COALESCE(channel, 'unknown') AS channel,
    status,
    user_id
  FROM stg_subscriptions
  WHERE event_type = 'GlobalStateChange' AND user_id IS NOT NULL
    AND event_time >= :start_time AND event_time < :end_time
),
counted AS (
  SELECT
    week_start,
    channel,
    COUNT(DISTINCT CASE WHEN status = 'optedin' THEN user_id END) AS opted_in_users,
    COUNT(DISTINCT CASE WHEN status = 'subscribed' THEN user_id END) AS subscribed_users,
    COUNT(DISTINCT CASE WHEN status = 'unsubscribed' THEN user_id END) AS unsubscribed_users
  FROM weekly
  GROUP BY week_start, channel
)
SELECT
  week_start,
  channel,
  opted_in_users,
  subscribed_users,
  unsubscribed_users,
  opted_in_users + subscribed_users - unsubscribed_users AS net_change
FROM counted
ORDER BY week_start, channel
