-- Email funnel, all selected messages together (measures as in email_messages). Summing
-- per-message counts is exact: an (address, message) pair belongs to exactly one campaign or
-- canvas. Distinct addresses (unsubscribed, delivered) cannot be summed, since one address may
-- get several messages: they are counted again over all the selected messages' events.
WITH total AS (
  SELECT
    CAST(COALESCE(SUM(sent), 0) AS BIGINT) AS sent,
    CAST(COALESCE(SUM(delivered), 0) AS BIGINT) AS delivered,
    CAST(COALESCE(SUM(total_opens), 0) AS BIGINT) AS total_opens,
    CAST(COALESCE(SUM(unique_opens), 0) AS BIGINT) AS unique_opens,
    CAST(COALESCE(SUM(machine_opens), 0) AS BIGINT) AS machine_opens,
    CAST(COALESCE(SUM(total_clicks), 0) AS BIGINT) AS total_clicks,
    CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) AS unique_clicks,
    CAST(COALESCE(SUM(bot_clicks), 0) AS BIGINT) AS bot_clicks,
    CAST(COALESCE(SUM(bounces), 0) AS BIGINT) AS bounces,
    CAST(COALESCE(SUM(soft_bounces), 0) AS BIGINT) AS soft_bounces,
    CAST(COALESCE(SUM(spam_reports), 0) AS BIGINT) AS spam_reports,
    CAST(COALESCE(SUM(unsubscribe_events), 0) AS BIGINT) AS unsubscribe_events
  FROM email_messages
),
addresses AS (
  SELECT
    COUNT(DISTINCT CASE WHEN event_type = 'Unsubscribe' THEN email_address END) AS unsubscribes,
    COUNT(DISTINCT CASE WHEN event_type = 'Delivery' THEN email_address END)
      AS delivered_addresses
  FROM stg_email
  WHERE event_type IN ('Unsubscribe', 'Delivery')
    AND event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
)
SELECT
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
FROM total
CROSS JOIN addresses
