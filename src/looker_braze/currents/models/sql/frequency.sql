-- Marketing pressure, frequency rows (the LookML frequency view): every delivery with how many
-- deliveries its recipient got in the same local period (parameter `granularity`: day, week
-- or month; see delivery_periods).
WITH periods AS (
  SELECT
    delivery_id,
    recipient,
    delivered_time,
    opened,
    clicked,
    platform,
    CASE
      WHEN :granularity = 'week' THEN week_start
      WHEN :granularity = 'month' THEN month_start
      ELSE day_start
    END AS period_start
  FROM delivery_periods
)
SELECT
  delivery_id,
  recipient,
  delivered_time,
  opened,
  clicked,
  platform,
  period_start,
  COUNT(*) OVER (PARTITION BY recipient, period_start) AS frequency
FROM periods
