-- The push cadence view's send counts: every send (bounced or not) ranked among the sends its
-- user got (1 = first), with sends, bounces, the users who bounced and the bounce rate per rank.
-- Ranks cover all messages; filters apply to the ranked rows, as in the cadence models.
WITH ranked AS (
  SELECT
    recipient,
    delivered_time,
    campaign_name,
    canvas_name,
    platform,
    bounced,
    ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY delivered_time, delivery_id) AS send_rank
  FROM push_sends
)
SELECT
  send_rank,
  COUNT(*) AS sends,
  CAST(SUM(bounced) AS BIGINT) AS bounces,
  COUNT(DISTINCT CASE WHEN bounced = 1 THEN recipient END) AS bounced_recipients,
  CAST(SUM(bounced) AS DOUBLE) / COUNT(*) AS bounce_rate
FROM ranked
WHERE delivered_time >= :start_time AND delivered_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
  AND param_match(platform, :platform)
GROUP BY send_rank
ORDER BY send_rank
