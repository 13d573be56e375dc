-- Email funnel, all selected messages together. Summing per-message unique opens is exact: a
-- (variation, address) or (step, address) pair belongs to exactly one campaign or canvas.
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
    CAST(COALESCE(SUM(unsubscribes), 0) AS BIGINT) AS unsubscribes
  FROM email_messages
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
  CAST(unsubscribes AS DOUBLE) / NULLIF(sent, 0) AS unsubscribe_rate
FROM total
