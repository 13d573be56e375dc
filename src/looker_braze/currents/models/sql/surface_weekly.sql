-- An in-product surface by local Monday week of each event's own time: the counts and rates
-- of surface_by_message. A week's unique counts are counted over the week (one (user,
-- message) per event), not summed from its days.
WITH scoped AS (
  SELECT
    event_type,
    CAST(DATE_TRUNC('week', local_date(event_time)) AS DATE) AS period_start,
    CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END AS pair
  FROM surface_events
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    period_start,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN pair END) AS unique_sends,
    COUNT(CASE WHEN event_type = 'Impression' THEN 1 END) AS impressions,
    COUNT(DISTINCT CASE WHEN event_type = 'Impression' THEN pair END) AS unique_impressions,
    COUNT(CASE WHEN event_type = 'Click' THEN 1 END) AS clicks,
    COUNT(DISTINCT CASE WHEN event_type = 'Click' THEN pair END) AS unique_clicks,
    COUNT(CASE WHEN event_type = 'Dismiss' THEN 1 END) AS dismissals,
    COUNT(DISTINCT CASE WHEN event_type = 'Dismiss' THEN pair END) AS unique_dismissals,
    COUNT(CASE WHEN event_type = 'Abort' THEN 1 END) AS aborts
  FROM scoped
  GROUP BY period_start
)
SELECT
  period_start,
  sends,
  impressions,
  unique_impressions,
  CAST(unique_impressions AS DOUBLE) / NULLIF(unique_sends, 0) AS impression_rate,
  clicks,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(unique_impressions, 0) AS click_rate,
  dismissals,
  unique_dismissals,
  CAST(unique_dismissals AS DOUBLE) / NULLIF(unique_impressions, 0) AS dismiss_rate,
  aborts
FROM counted
ORDER BY period_start
