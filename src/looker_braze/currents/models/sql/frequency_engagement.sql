-- Engagement by frequency: recipients who got N deliveries in one local day, week or month
-- (parameter `granularity`), how often that happened and how they engaged. The date range
-- selects deliveries after counting, so a period cut by the range keeps its true frequency;
-- so does the push platform filter (parameter `platform`: a user's pushes to all devices make
-- the pressure, the platform's deliveries are the ones measured).
-- Same result as aggregating the frequency rows, computed by grouping instead of a window.
WITH periods AS (
  SELECT
    recipient,
    CASE
      WHEN :granularity = 'week' THEN week_start
      WHEN :granularity = 'month' THEN month_start
      ELSE day_start
    END AS period_start,
    opened,
    clicked,
    CASE WHEN delivered_time >= :start_time AND delivered_time < :end_time
      AND param_match(platform, :platform) THEN 1 ELSE 0 END
      AS in_range
  FROM delivery_periods
),
occasions AS (
  SELECT
    recipient,
    period_start,
    COUNT(*) AS frequency,
    SUM(in_range) AS deliveries,
    SUM(in_range * opened) AS unique_opens,
    SUM(in_range * clicked) AS unique_clicks
  FROM periods
  GROUP BY recipient, period_start
)
SELECT
  frequency,
  COUNT(*) AS occasions,
  COUNT(DISTINCT recipient) AS recipients,
  CAST(SUM(deliveries) AS BIGINT) AS deliveries,
  CAST(SUM(unique_opens) AS BIGINT) AS unique_opens,
  CAST(SUM(unique_clicks) AS BIGINT) AS unique_clicks,
  CAST(SUM(unique_opens) AS DOUBLE) / SUM(deliveries) AS unique_open_rate,
  CAST(SUM(unique_clicks) AS DOUBLE) / SUM(deliveries) AS unique_click_rate
FROM occasions
WHERE deliveries > 0
GROUP BY frequency
ORDER BY frequency
