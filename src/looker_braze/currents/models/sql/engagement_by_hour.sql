-- Engagement by local hour of delivery (0-23, parameter `timezone`).
SELECT
  CAST(EXTRACT(hour FROM local_ts(delivered_time)) AS BIGINT) AS hour_of_day,
  COUNT(*) AS deliveries,
  CAST(SUM(opened) AS BIGINT) AS unique_opens,
  CAST(SUM(clicked) AS BIGINT) AS unique_clicks,
  CAST(SUM(opened) AS DOUBLE) / COUNT(*) AS unique_open_rate,
  CAST(SUM(clicked) AS DOUBLE) / COUNT(*) AS unique_click_rate
FROM engaged_deliveries
WHERE delivered_time >= :start_time AND delivered_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
  AND param_match(platform, :platform)
GROUP BY CAST(EXTRACT(hour FROM local_ts(delivered_time)) AS BIGINT)
ORDER BY hour_of_day
