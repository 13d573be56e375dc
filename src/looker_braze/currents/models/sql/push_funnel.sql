-- Push funnel, all selected messages together (sent -> delivered -> opens). Unique recipients
-- are not additive over messages, so they are counted once more over all events here.
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
    COUNT(DISTINCT CASE WHEN kind = 'send' THEN USER_ID END)
      - COUNT(DISTINCT CASE WHEN kind = 'bounce' THEN USER_ID END) AS unique_recipients
  FROM (
    SELECT 'send' AS kind, USER_ID, TIME, CAMPAIGN_NAME, CANVAS_NAME
    FROM USERS_MESSAGES_PUSHNOTIFICATION_SEND
    UNION ALL
    SELECT 'bounce', USER_ID, TIME, CAMPAIGN_NAME, CANVAS_NAME
    FROM USERS_MESSAGES_PUSHNOTIFICATION_BOUNCE
  ) AS push_events
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
)
SELECT
  total.sent,
  total.bounces,
  CAST(total.bounces AS DOUBLE) / NULLIF(total.sent, 0) AS bounce_rate,
  total.sent - total.bounces AS delivered,
  total.opens,
  CAST(total.opens AS DOUBLE) / NULLIF(total.sent - total.bounces, 0) AS open_rate,
  total.unique_opens,
  CAST(total.unique_opens AS DOUBLE) / NULLIF(total.sent - total.bounces, 0) AS unique_open_rate,
  recipients.unique_recipients
FROM total
CROSS JOIN recipients
