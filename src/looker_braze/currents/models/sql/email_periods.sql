-- Email performance and deliverability per local day or Monday week (parameter `granularity`):
-- the measures of email_messages (bounces, soft bounces, spam reports: events; unsubscribes:
-- distinct addresses, as the block counts them, with `unsubscribe_events` beside), grouped by
-- the local period of each event's own time. A week's unsubscribes are counted over the week,
-- not summed from its days: an address unsubscribing on two days of a week counts once.
-- Event codes: 1 send, 2 delivery, 3 open, 4 click, 5 bounce, 6 soft bounce, 7 spam report,
-- 8 unsubscribe (integers: cheaper to compare than labels over millions of rows).
WITH events AS (
  SELECT 1 AS event, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID,
    CAMPAIGN_NAME, CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_SEND
  UNION ALL
  SELECT 2, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_DELIVERY
  UNION ALL
  SELECT 3, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_OPEN
  UNION ALL
  SELECT 4, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_CLICK
  UNION ALL
  SELECT 5, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_BOUNCE
  UNION ALL
  SELECT 6, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_SOFTBOUNCE
  UNION ALL
  SELECT 7, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_MARKASSPAM
  UNION ALL
  SELECT 8, EMAIL_ADDRESS, TIME, MESSAGE_VARIATION_ID, CANVAS_STEP_ID, CAMPAIGN_NAME,
    CANVAS_NAME
  FROM USERS_MESSAGES_EMAIL_UNSUBSCRIBE
),
scoped AS (
  SELECT
    event,
    local_date(TIME) AS local_date,
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
    CASE
      WHEN :granularity = 'week' THEN CAST(DATE_TRUNC('week', CAST(local_date AS DATE)) AS DATE)
      ELSE local_date
    END AS period_start,
    COUNT(CASE WHEN event = 1 THEN 1 END) AS sent,
    COUNT(CASE WHEN event = 2 THEN 1 END) AS delivered,
    COUNT(DISTINCT CASE WHEN event = 3 THEN variation_pair END)
      + COUNT(DISTINCT CASE WHEN event = 3 THEN step_pair END) AS unique_opens,
    COUNT(DISTINCT CASE WHEN event = 4 THEN variation_pair END)
      + COUNT(DISTINCT CASE WHEN event = 4 THEN step_pair END) AS unique_clicks,
    COUNT(CASE WHEN event = 5 THEN 1 END) AS bounces,
    COUNT(CASE WHEN event = 6 THEN 1 END) AS soft_bounces,
    COUNT(CASE WHEN event = 7 THEN 1 END) AS spam_reports,
    COUNT(DISTINCT unsubscribed_address) AS unsubscribes,
    COUNT(CASE WHEN event = 8 THEN 1 END) AS unsubscribe_events
  FROM scoped
  GROUP BY CASE
      WHEN :granularity = 'week' THEN CAST(DATE_TRUNC('week', CAST(local_date AS DATE)) AS DATE)
      ELSE local_date
    END
)
SELECT
  period_start,
  sent,
  delivered,
  CAST(delivered AS DOUBLE) / NULLIF(sent, 0) AS delivery_rate,
  unique_opens,
  CAST(unique_opens AS DOUBLE) / NULLIF(delivered, 0) AS unique_open_rate,
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
