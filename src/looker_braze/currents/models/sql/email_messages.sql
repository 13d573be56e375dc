-- The email funnel of every campaign and canvas (one row each): sent, delivered, opens and
-- clicks (total and unique), bounces, soft bounces, spam reports and unsubscribes, with rates.
--
-- Blocks' semantics: sent and delivered count event ids (unique per table after the load's
-- dedupe, so COUNT(*)); unique opens (clicks) = distinct (variation, address) pairs + distinct
-- (canvas step, address) pairs, only pairs with both parts present (Snowflake's two-argument
-- COUNT(DISTINCT a, b), written portably). Ids come first in the pair text: Braze ids never
-- contain '|', so two different pairs never make the same text. Unique rates are per delivery,
-- delivery/bounce/spam/unsubscribe rates per send.
-- Failures count what the message engagement block's measures count (its views
-- users_messages_email_{bounce,softbounce,markasspam,unsubscribe}): `bounces`, `soft_bounces`
-- and `spam_reports` are events (its count_distinct of event ids: an address bouncing twice is
-- two failed sends), `unsubscribes` is distinct non-null addresses (its count_distinct of
-- EMAIL_ADDRESS: an address unsubscribing twice from one message counts once), so our numbers
-- match a user's Looker. `unsubscribe_events` is the event count beside it. Each event is
-- placed by its own time.
WITH events AS (
  SELECT 1 AS event, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_SEND
  UNION ALL
  SELECT 2, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_DELIVERY
  UNION ALL
  SELECT 3, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_OPEN
  UNION ALL
  SELECT 4, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_CLICK
  UNION ALL
  SELECT 5, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_BOUNCE
  UNION ALL
  SELECT 6, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_SOFTBOUNCE
  UNION ALL
  SELECT 7, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_MARKASSPAM
  UNION ALL
  SELECT 8, EMAIL_ADDRESS, TIME, CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID,
    CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID
  FROM USERS_MESSAGES_EMAIL_UNSUBSCRIBE
),
scoped AS (
  SELECT
    event,
    CASE WHEN CANVAS_ID IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(CANVAS_ID, CAMPAIGN_ID) AS message_id,
    COALESCE(CANVAS_NAME, CAMPAIGN_NAME) AS message_name,
    -- pair text only for opens and clicks: no other event counts pairs
    CASE WHEN event IN (3, 4) AND MESSAGE_VARIATION_ID IS NOT NULL
      AND EMAIL_ADDRESS IS NOT NULL THEN MESSAGE_VARIATION_ID || '|' || EMAIL_ADDRESS END
      AS variation_pair,
    CASE WHEN event IN (3, 4) AND CANVAS_STEP_ID IS NOT NULL
      AND EMAIL_ADDRESS IS NOT NULL THEN CANVAS_STEP_ID || '|' || EMAIL_ADDRESS END AS step_pair,
    CASE WHEN event = 8 THEN EMAIL_ADDRESS END AS unsubscribed_address
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
    COUNT(CASE WHEN event = 2 THEN 1 END) AS delivered,
    COUNT(CASE WHEN event = 3 THEN 1 END) AS total_opens,
    COUNT(DISTINCT CASE WHEN event = 3 THEN variation_pair END)
      + COUNT(DISTINCT CASE WHEN event = 3 THEN step_pair END) AS unique_opens,
    COUNT(CASE WHEN event = 4 THEN 1 END) AS total_clicks,
    COUNT(DISTINCT CASE WHEN event = 4 THEN variation_pair END)
      + COUNT(DISTINCT CASE WHEN event = 4 THEN step_pair END) AS unique_clicks,
    COUNT(CASE WHEN event = 5 THEN 1 END) AS bounces,
    COUNT(CASE WHEN event = 6 THEN 1 END) AS soft_bounces,
    COUNT(CASE WHEN event = 7 THEN 1 END) AS spam_reports,
    COUNT(DISTINCT unsubscribed_address) AS unsubscribes,
    COUNT(CASE WHEN event = 8 THEN 1 END) AS unsubscribe_events
  FROM scoped
  GROUP BY message_type, message_id
)
SELECT
  message_type,
  message_id,
  message_name,
  sent,
  delivered,
  CAST(delivered AS DOUBLE) / NULLIF(sent, 0) AS delivery_rate,
  total_opens,
  unique_opens,
  CAST(unique_opens AS DOUBLE) / NULLIF(delivered, 0) AS unique_open_rate,
  total_clicks,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(delivered, 0) AS unique_click_rate,
  bounces,
  CAST(bounces AS DOUBLE) / NULLIF(sent, 0) AS bounce_rate,
  soft_bounces,
  CAST(soft_bounces AS DOUBLE) / NULLIF(sent, 0) AS soft_bounce_rate,
  spam_reports,
  CAST(spam_reports AS DOUBLE) / NULLIF(sent, 0) AS spam_rate,
  unsubscribes,
  CAST(unsubscribes AS DOUBLE) / NULLIF(sent, 0) AS unsubscribe_rate,
  unsubscribe_events
FROM counted
