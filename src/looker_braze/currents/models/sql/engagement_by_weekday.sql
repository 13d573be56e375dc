-- Engagement by local day of week of delivery (1 = Monday ... 7 = Sunday).
WITH dated AS (
  SELECT
    local_day(delivered_time) % 7 + 1 AS iso_weekday,
    opened,
    clicked
  FROM engaged_deliveries
  WHERE delivered_time >= :start_time AND delivered_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
    AND param_match(platform, :platform)
)
SELECT
  iso_weekday,
  CASE iso_weekday
    WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday' WHEN 4 THEN 'Thursday'
    WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday' ELSE 'Sunday'
  END AS day_of_week,
  COUNT(*) AS deliveries,
  CAST(SUM(opened) AS BIGINT) AS unique_opens,
  CAST(SUM(clicked) AS BIGINT) AS unique_clicks,
  CAST(SUM(opened) AS DOUBLE) / COUNT(*) AS unique_open_rate,
  CAST(SUM(clicked) AS DOUBLE) / COUNT(*) AS unique_click_rate
FROM dated
GROUP BY iso_weekday
ORDER BY iso_weekday
