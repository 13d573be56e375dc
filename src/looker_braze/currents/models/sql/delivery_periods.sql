-- Marketing pressure, frequency base: every delivery of `engaged_deliveries` (email or push)
-- with the local day, Monday week and month it fell in. Campaign and canvas filters apply
-- here, BEFORE deliveries are counted per period (the pressure of one campaign); the canvas
-- filter filters canvas names (the blocks' frequency views applied it to canvas_step_id), and
-- message_variation_id and canvas_step_id have filters of their own. All three periods are
-- kept so the day, week and month models share this one table.
WITH scoped AS (
  SELECT
    delivery_id,
    recipient,
    delivered_time,
    opened,
    clicked,
    platform,
    local_date(delivered_time) AS local_date
  FROM engaged_deliveries
  WHERE param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
    AND param_match(message_variation_id, :message_variation_id)
    AND param_match(canvas_step_id, :canvas_step_id)
)
SELECT
  delivery_id,
  recipient,
  delivered_time,
  opened,
  clicked,
  platform,
  local_date AS day_start,
  CAST(DATE_TRUNC('week', CAST(local_date AS DATE)) AS DATE) AS week_start,
  CAST(DATE_TRUNC('month', CAST(local_date AS DATE)) AS DATE) AS month_start
FROM scoped
