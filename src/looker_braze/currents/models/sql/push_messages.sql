-- The push funnel of every campaign and canvas (one row each), with the blocks' measures: sent
-- (send events), bounces, delivered = sent - bounces and the delivery rate, opens (open events,
-- a count: repeat opens make it pass the deliveries), unique opens = distinct (user, message)
-- pairs (stg_push's `message_key`, one per event) and the open rate over those (the blocks'
-- opens / delivered can pass 100%), unique recipients = users sent - users bounced, with the
-- bounced recipients beside. Each event is placed by its own time.
WITH scoped AS (
  SELECT
    event_type,
    user_id,
    CASE WHEN canvas_id IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(canvas_id, campaign_id) AS message_id,
    COALESCE(canvas_name, campaign_name) AS message_name,
    CASE WHEN event_type = 'Open' AND user_id IS NOT NULL
      THEN message_key || '|' || user_id END AS open_pair
  FROM stg_push
  WHERE event_type IN ('Send', 'Bounce', 'Open')
    AND event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    message_type,
    message_id,
    MAX(message_name) AS message_name,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sent,
    COUNT(CASE WHEN event_type = 'Bounce' THEN 1 END) AS bounces,
    COUNT(CASE WHEN event_type = 'Open' THEN 1 END) AS opens,
    COUNT(DISTINCT open_pair) AS unique_opens,
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN user_id END) AS users_sent,
    COUNT(DISTINCT CASE WHEN event_type = 'Bounce' THEN user_id END) AS bounced_recipients
  FROM scoped
  GROUP BY message_type, message_id
)
SELECT
  message_type,
  message_id,
  message_name,
  sent,
  bounces,
  CAST(bounces AS DOUBLE) / NULLIF(sent, 0) AS bounce_rate,
  sent - bounces AS delivered,
  CAST(sent - bounces AS DOUBLE) / NULLIF(sent, 0) AS delivery_rate,
  opens,
  unique_opens,
  CAST(unique_opens AS DOUBLE) / NULLIF(sent - bounces, 0) AS unique_open_rate,
  users_sent - bounced_recipients AS unique_recipients,
  bounced_recipients
FROM counted
