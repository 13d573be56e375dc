-- Engagement by Monday-weeks since the previous delivery, in the blocks' tiers: 0 ... 12 weeks,
-- 13-22, 23-32, 33-51, 52 or more. First deliveries have no gap and are left out.
WITH tiered AS (
  SELECT
    CASE
      WHEN weeks_since_previous >= 52 THEN 52
      WHEN weeks_since_previous >= 33 THEN 33
      WHEN weeks_since_previous >= 23 THEN 23
      WHEN weeks_since_previous >= 13 THEN 13
      ELSE weeks_since_previous
    END AS tier_start,
    opened,
    clicked
  FROM cadence
  WHERE weeks_since_previous IS NOT NULL
    AND delivered_time >= :start_time AND delivered_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
    AND param_match(platform, :platform)
)
SELECT
  tier_start AS weeks_since_previous,
  CASE
    WHEN tier_start = 52 THEN '52+'
    WHEN tier_start = 33 THEN '33-51'
    WHEN tier_start = 23 THEN '23-32'
    WHEN tier_start = 13 THEN '13-22'
    ELSE CAST(tier_start AS VARCHAR)
  END AS gap_tier,
  COUNT(*) AS deliveries,
  CAST(SUM(opened) AS BIGINT) AS unique_opens,
  CAST(SUM(clicked) AS BIGINT) AS unique_clicks,
  CAST(SUM(opened) AS DOUBLE) / COUNT(*) AS unique_open_rate,
  CAST(SUM(clicked) AS DOUBLE) / COUNT(*) AS unique_click_rate
FROM tiered
GROUP BY tier_start
ORDER BY tier_start
