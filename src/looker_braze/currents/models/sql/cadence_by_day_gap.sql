-- Engagement by days since the previous delivery, in the blocks' tiers: 0 (same local day),
-- 1 ... 13 days, 14-27 days, 28 days or more. First deliveries have no gap and are left out
-- (the blocks lumped them into the lowest tier).
WITH tiered AS (
  SELECT
    CASE
      WHEN days_since_previous >= 28 THEN 28
      WHEN days_since_previous >= 14 THEN 14
      ELSE days_since_previous
    END AS tier_start,
    opened,
    clicked
  FROM cadence
  WHERE days_since_previous IS NOT NULL
    AND delivered_time >= :start_time AND delivered_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
    AND param_match(platform, :platform)
)
SELECT
  tier_start AS days_since_previous,
  CASE
    WHEN tier_start = 28 THEN '28+'
    WHEN tier_start = 14 THEN '14-27'
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
