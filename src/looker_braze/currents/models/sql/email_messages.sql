-- The email funnel of every campaign and canvas (one row each): sent, delivered, opens and
-- clicks (total and unique), bounces, soft bounces, spam reports and unsubscribes, with rates.
--
-- Counted as Braze counts: sent and delivered count events; a unique open (click) is one
-- distinct (address, message) pair with an open (click), the message being stg_email's
-- `message_key` (never a variation pair plus a step pair: Braze fills both ids on every event,
-- which made the blocks' sum count each open twice). Machine opens and suspected bot clicks
-- are not engagement unless parameter machine_events=include is set; they are counted beside
-- (`machine_opens`, `bot_clicks`). Unique rates are per delivery, delivery/bounce/spam/
-- unsubscribe rates per send; `opens_per_send` and `clicks_per_send` (the block's total open
-- and click rates) count every open and click, so they may pass 1.
-- Failures count what the message engagement block's measures count: `bounces`, `soft_bounces`
-- and `spam_reports` are events, `unsubscribes` is distinct non-null addresses (with
-- `unsubscribe_events` beside it). Each event is placed by its own time.
WITH scoped AS (
  SELECT
    event_type,
    email_address,
    is_machine,
    CASE WHEN canvas_id IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(canvas_id, campaign_id) AS message_id,
    COALESCE(canvas_name, campaign_name) AS message_name,
    -- engagement that counts: machine events only when asked for
    CASE WHEN event_type IN ('Open', 'Click')
      AND (NOT is_machine OR :machine_events = 'include') THEN 1 ELSE 0 END AS engaged,
    CASE WHEN event_type IN ('Open', 'Click') AND email_address IS NOT NULL
      THEN message_key || '|' || email_address END AS pair
  FROM stg_email
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    message_type,
    message_id,
    MAX(message_name) AS message_name,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sent,
    COUNT(CASE WHEN event_type = 'Delivery' THEN 1 END) AS delivered,
    COUNT(DISTINCT CASE WHEN event_type = 'Delivery' THEN email_address END)
      AS delivered_addresses,
    COUNT(CASE WHEN event_type = 'Open' AND engaged = 1 THEN 1 END) AS total_opens,
    COUNT(DISTINCT CASE WHEN event_type = 'Open' AND engaged = 1 THEN pair END) AS unique_opens,
    COUNT(CASE WHEN event_type = 'Open' AND is_machine THEN 1 END) AS machine_opens,
    COUNT(CASE WHEN event_type = 'Click' AND engaged = 1 THEN 1 END) AS total_clicks,
    COUNT(DISTINCT CASE WHEN event_type = 'Click' AND engaged = 1 THEN pair END)
      AS unique_clicks,
    COUNT(CASE WHEN event_type = 'Click' AND is_machine THEN 1 END) AS bot_clicks,
    COUNT(CASE WHEN event_type = 'Bounce' THEN 1 END) AS bounces,
    COUNT(CASE WHEN event_type = 'SoftBounce' THEN 1 END) AS soft_bounces,
    COUNT(CASE WHEN event_type = 'MarkAsSpam' THEN 1 END) AS spam_reports,
    COUNT(DISTINCT CASE WHEN event_type = 'Unsubscribe' THEN email_address END) AS unsubscribes,
    COUNT(CASE WHEN event_type = 'Unsubscribe' THEN 1 END) AS unsubscribe_events
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
  delivered_addresses,
  total_opens,
  CAST(total_opens AS DOUBLE) / NULLIF(sent, 0) AS opens_per_send,
  unique_opens,
  CAST(unique_opens AS DOUBLE) / NULLIF(delivered, 0) AS unique_open_rate,
  machine_opens,
  total_clicks,
  CAST(total_clicks AS DOUBLE) / NULLIF(sent, 0) AS clicks_per_send,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(delivered, 0) AS unique_click_rate,
  bot_clicks,
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
