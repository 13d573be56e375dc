-- Engagement by delivery rank: the 1st, 2nd, 3rd ... delivery a recipient got, how many such
-- deliveries there were, the average gap before them, and their unique open and click rates.
SELECT
  delivery_rank,
  COUNT(*) AS deliveries,
  AVG(CAST(days_since_previous AS DOUBLE)) AS avg_days_since_previous,
  CAST(SUM(opened) AS BIGINT) AS unique_opens,
  CAST(SUM(clicked) AS BIGINT) AS unique_clicks,
  CAST(SUM(opened) AS DOUBLE) / COUNT(*) AS unique_open_rate,
  CAST(SUM(clicked) AS DOUBLE) / COUNT(*) AS unique_click_rate
FROM cadence
WHERE delivered_time >= :start_time AND delivered_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
  AND param_match(platform, :platform)
GROUP BY delivery_rank
ORDER BY delivery_rank
