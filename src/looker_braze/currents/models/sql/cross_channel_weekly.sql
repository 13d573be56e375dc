-- The cross-channel overview: per channel and local Monday week (in the `timezone`
-- parameter), messages sent (or shown, for in-app messages and banners), users reached, and
-- users engaged among those reached that week; and one 'all channels' row per week whose users
-- are counted once however many channels reached them. Engaged users are counted only among the
-- week's reached users of the channel they engaged with, so the share never passes 100% and the
-- all-channels row counts exactly the users some channel's row counts.
WITH scoped AS (
  SELECT
    channel,
    user_id,
    kind,
    CAST(DATE_TRUNC('week', CAST(local_date(event_time) AS DATE)) AS DATE) AS week_start
  FROM channel_activity
  WHERE user_id IS NOT NULL AND event_time >= :start_time AND event_time < :end_time
),
reached AS (
  SELECT DISTINCT channel, week_start, user_id FROM scoped WHERE kind = 'sent'
),
engaged AS (
  SELECT DISTINCT channel, week_start, user_id FROM scoped WHERE kind = 'engaged'
),
per_channel AS (
  SELECT
    r.channel,
    r.week_start,
    COUNT(*) AS users_reached,
    COUNT(e.user_id) AS users_engaged
  FROM reached AS r
  LEFT JOIN engaged AS e
    ON e.channel = r.channel AND e.week_start = r.week_start AND e.user_id = r.user_id
  GROUP BY r.channel, r.week_start
),
sent AS (
  SELECT channel, week_start, COUNT(*) AS messages_sent
  FROM scoped WHERE kind = 'sent'
  GROUP BY channel, week_start
),
all_reached AS (
  SELECT DISTINCT week_start, user_id FROM reached
),
-- A user is engaged in the all-channels row when some channel's row counts them engaged: the
-- channel reached them that week. Taking every engagement of a user reached by any channel
-- counted, say, a webhook-only user who opened last week's email this week, so the row was
-- not the channels' rows with each user once (and could pass their sum).
all_engaged AS (
  SELECT DISTINCT e.week_start, e.user_id
  FROM engaged AS e
  JOIN reached AS r
    ON r.channel = e.channel AND r.week_start = e.week_start AND r.user_id = e.user_id
),
all_channels AS (
  SELECT
    'all channels' AS channel,
    r.week_start,
    COUNT(*) AS users_reached,
    COUNT(e.user_id) AS users_engaged
  FROM all_reached AS r
  LEFT JOIN all_engaged AS e
    ON e.week_start = r.week_start AND e.user_id = r.user_id
  GROUP BY r.week_start
),
all_sent AS (
  SELECT week_start, COUNT(*) AS messages_sent FROM scoped WHERE kind = 'sent' GROUP BY week_start
)
SELECT
  p.week_start,
  p.channel,
  s.messages_sent,
  p.users_reached,
  p.users_engaged,
  p.users_engaged * 1.0 / p.users_reached AS engaged_share
FROM per_channel AS p
JOIN sent AS s
  ON s.channel = p.channel AND s.week_start = p.week_start
UNION ALL
SELECT
  a.week_start,
  a.channel,
  s.messages_sent,
  a.users_reached,
  a.users_engaged,
  a.users_engaged * 1.0 / a.users_reached AS engaged_share
FROM all_channels AS a
JOIN all_sent AS s
  ON s.week_start = a.week_start
ORDER BY week_start, channel
