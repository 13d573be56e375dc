-- The push funnel of every campaign and canvas (one row each), with the blocks' measures: sent
-- (send ids), bounces, delivered = sent - bounces, opens (open ids) and open rate = opens /
-- delivered, unique opens = distinct (variation, user) + (canvas step, user) pairs, and unique
-- recipients = users sent - users bounced. Each event is placed by its own time.
-- Event codes: 1 send, 2 bounce, 3 open.
WITH events AS (
  SELECT 1 AS event, USER_ID, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_PUSHNOTIFICATION_SEND
  UNION ALL
  SELECT 2, USER_ID, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_PUSHNOTIFICATION_BOUNCE
  UNION ALL
  SELECT 3, USER_ID, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_PUSHNOTIFICATION_OPEN
),
scoped AS (
  SELECT
    event,
    USER_ID,
    CASE WHEN CANVAS_ID IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(CANVAS_ID, CAMPAIGN_ID) AS message_id,
    COALESCE(CANVAS_NAME, CAMPAIGN_NAME) AS message_name,
    CASE WHEN MESSAGE_VARIATION_ID IS NOT NULL AND USER_ID IS NOT NULL
      THEN MESSAGE_VARIATION_ID || '|' || USER_ID END AS variation_pair,
    CASE WHEN CANVAS_STEP_ID IS NOT NULL AND USER_ID IS NOT NULL
      THEN CANVAS_STEP_ID || '|' || USER_ID END AS step_pair
  FROM events
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
),
counted AS (
  SELECT
    message_type,
    message_id,
    MAX(message_name) AS message_name,
    COUNT(CASE WHEN event = 1 THEN 1 END) AS sent,
    COUNT(CASE WHEN event = 2 THEN 1 END) AS bounces,
    COUNT(CASE WHEN event = 3 THEN 1 END) AS opens,
    COUNT(DISTINCT CASE WHEN event = 3 THEN variation_pair END)
      + COUNT(DISTINCT CASE WHEN event = 3 THEN step_pair END) AS unique_opens,
    COUNT(DISTINCT CASE WHEN event = 1 THEN USER_ID END)
      - COUNT(DISTINCT CASE WHEN event = 2 THEN USER_ID END) AS unique_recipients
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
  opens,
  CAST(opens AS DOUBLE) / NULLIF(sent - bounces, 0) AS open_rate,
  unique_opens,
  CAST(unique_opens AS DOUBLE) / NULLIF(sent - bounces, 0) AS unique_open_rate,
  unique_recipients
FROM counted
