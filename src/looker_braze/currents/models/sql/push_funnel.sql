-- Push funnel, all selected messages together (sent -> delivered -> unique opens; all opens
-- counted beside). Unique and bounced
-- recipients are not additive over messages, so they are counted once more over all events.
WITH total AS (
  SELECT
    CAST(COALESCE(SUM(sent), 0) AS BIGINT) AS sent,
    CAST(COALESCE(SUM(bounces), 0) AS BIGINT) AS bounces,
    CAST(COALESCE(SUM(opens), 0) AS BIGINT) AS opens,
    CAST(COALESCE(SUM(unique_opens), 0) AS BIGINT) AS unique_opens
  FROM push_messages
),
recipients AS (
  SELECT
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN user_id END)
      - COUNT(DISTINCT CASE WHEN event_type = 'Bounce' THEN user_id END) AS unique_recipients,
    COUNT(DISTINCT CASE WHEN event_type = 'Bounce' THEN user_id END) AS bounced_recipients
  FROM stg_push
  WHERE event_type IN ('Send', 'Bounce')
    AND event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
)
SELECT
  total.sent,
  total.bounces,
  CAST(total.bounces AS DOUBLE) / NULLIF(total.sent, 0) AS bounce_rate,
  total.sent - total.bounces AS delivered,
  CAST(total.sent - total.bounces AS DOUBLE) / NULLIF(total.sent, 0) AS delivery_rate,
  total.opens,
  total.unique_opens,
  CAST(total.unique_opens AS DOUBLE) / NULLIF(total.sent - total.bounces, 0) AS unique_open_rate,
  recipients.unique_recipients,
  recipients.bounced_recipients
FROM total
CROSS JOIN recipients
