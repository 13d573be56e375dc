-- Email performance and deliverability per local day or Monday week (parameter `granularity`):
-- the measures of email_messages (unique opens and clicks: distinct (address, message) pairs,
-- machine opens and bot clicks left out unless machine_events=include; bounces, soft bounces,
-- spam reports: events; unsubscribes: distinct addresses, with `unsubscribe_events` beside),
-- grouped by the local period of each event's own time. A week's unsubscribes are counted over
-- the week, not summed from its days: an address unsubscribing on two days counts once.
WITH scoped AS (
  SELECT
    event_type,
    local_date(event_time) AS local_date,
    CASE WHEN event_type IN ('Open', 'Click') AND email_address IS NOT NULL
      AND (NOT is_machine OR :machine_events = 'include')
      THEN message_key || '|' || email_address END AS engaged_pair,
    CASE WHEN event_type = 'Unsubscribe' THEN email_address END AS unsubscribed_address
  FROM stg_email
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    CASE
      WHEN :granularity = 'week' THEN CAST(DATE_TRUNC('week', CAST(local_date AS DATE)) AS DATE)
      ELSE local_date
    END AS period_start,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sent,
    COUNT(CASE WHEN event_type = 'Delivery' THEN 1 END) AS delivered,
    COUNT(DISTINCT CASE WHEN event_type = 'Open' THEN engaged_pair END) AS unique_opens,
    COUNT(DISTINCT CASE WHEN event_type = 'Click' THEN engaged_pair END) AS unique_clicks,
    COUNT(CASE WHEN event_type = 'Bounce' THEN 1 END) AS bounces,
    COUNT(CASE WHEN event_type = 'SoftBounce' THEN 1 END) AS soft_bounces,
    COUNT(CASE WHEN event_type = 'MarkAsSpam' THEN 1 END) AS spam_reports,
    COUNT(DISTINCT unsubscribed_address) AS unsubscribes,
    COUNT(CASE WHEN event_type = 'Unsubscribe' THEN 1 END) AS unsubscribe_events
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
