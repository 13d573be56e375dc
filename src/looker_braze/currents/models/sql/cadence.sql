-- Marketing pressure, cadence: every delivery of `engaged_deliveries` (email or push) with its
-- rank among the deliveries its recipient got (1 = first) and the gap since the previous one.
-- Gaps count local day (and Monday-week) boundaries in the `timezone` parameter, as Snowflake's
-- DATEDIFF does in the blocks; weeks are numbered before differencing, so a Sunday -> Monday gap
-- is one week on every engine. Ranks cover all messages; filters apply to the ranked rows, so a
-- campaign's rows keep their place in the recipient's whole history.
WITH dated AS (
  SELECT
    delivery_id,
    recipient,
    delivered_time,
    campaign_name,
    canvas_name,
    message_variation_id,
    canvas_step_id,
    platform,
    opened,
    clicked,
    local_day(delivered_time) AS local_day
  FROM engaged_deliveries
)
SELECT
  delivery_id,
  recipient,
  delivered_time,
  campaign_name,
  canvas_name,
  message_variation_id,
  canvas_step_id,
  platform,
  opened,
  clicked,
  ROW_NUMBER() OVER (
    PARTITION BY recipient ORDER BY delivered_time, delivery_id
  ) AS delivery_rank,
  local_day - LAG(local_day) OVER (
    PARTITION BY recipient ORDER BY delivered_time, delivery_id
  ) AS days_since_previous,
  local_day // 7 - LAG(local_day // 7) OVER (
    PARTITION BY recipient ORDER BY delivered_time, delivery_id
  ) AS weeks_since_previous
FROM dated
