-- Subscription group changes by Monday week (local time) and group: users who subscribed to the
-- group and users who unsubscribed from it that week (users.behaviors.subscriptiongroup
-- .StateChange; a user counted once per week and state), and the net change (subscribed minus
-- unsubscribed users).
WITH weekly AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(local_date(event_time) AS DATE)) AS DATE) AS week_start,
    subscription_group_id,
    channel,
    status,
    user_id
  FROM stg_subscriptions
  WHERE event_type = 'GroupStateChange' AND user_id IS NOT NULL
    AND event_time >= :start_time AND event_time < :end_time
),
counted AS (
  SELECT
    week_start,
    subscription_group_id,
    MAX(channel) AS channel,
    COUNT(DISTINCT CASE WHEN status = 'subscribed' THEN user_id END) AS subscribed_users,
    COUNT(DISTINCT CASE WHEN status = 'unsubscribed' THEN user_id END) AS unsubscribed_users
  FROM weekly
  GROUP BY week_start, subscription_group_id
)
SELECT
  week_start,
  subscription_group_id,
  channel,
  subscribed_users,
  unsubscribed_users,
  subscribed_users - unsubscribed_users AS net_change
FROM counted
ORDER BY week_start, channel, subscription_group_id
