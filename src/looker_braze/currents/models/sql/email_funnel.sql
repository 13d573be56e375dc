-- Email funnel, all selected messages together (measures as in email_messages). Summing
-- per-message unique opens is exact: a (variation, address) or (step, address) pair belongs to
-- exactly one campaign or canvas. Unsubscribes (distinct addresses, as the block counts them)
-- cannot be summed, since one address may unsubscribe from several messages: they are counted
-- again over all the selected messages' unsubscribe events.
WITH total AS (
  SELECT
    CAST(COALESCE(SUM(sent), 0) AS BIGINT) AS sent,
    CAST(COALESCE(SUM(delivered), 0) AS BIGINT) AS delivered,
    CAST(COALESCE(SUM(total_opens), 0) AS BIGINT) AS total_opens,
    CAST(COALESCE(SUM(unique_opens), 0) AS BIGINT) AS unique_opens,
    CAST(COALESCE(SUM(total_clicks), 0) AS BIGINT) AS total_clicks,
    CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) AS unique_clicks,
    CAST(COALESCE(SUM(bounces), 0) AS BIGINT) AS bounces,
    CAST(COALESCE(SUM(soft_bounces), 0) AS BIGINT) AS soft_bounces,
    CAST(COALESCE(SUM(spam_reports), 0) AS BIGINT) AS spam_reports,
    CAST(COALESCE(SUM(unsubscribe_events), 0) AS BIGINT) AS unsubscribe_events
  FROM email_messages
),
unsubscribed AS (
  SELECT COUNT(DISTINCT EMAIL_ADDRESS) AS unsubscribes
  FROM USERS_MESSAGES_EMAIL_UNSUBSCRIBE
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
)
SELECT
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
FROM total
CROSS JOIN unsubscribed
