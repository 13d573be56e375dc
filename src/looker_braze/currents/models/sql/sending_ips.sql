-- Email deliveries and bounces per sending IP. Bounces count events, as the block's "Bounces by
-- Sending IP" tile does (its bounce measure counts event ids). The bounce rate is bounces over
-- every attempt the IP made (deliveries + bounces + soft bounces): sends carry no IP.
SELECT
  sending_ip,
  COUNT(CASE WHEN event_type = 'Delivery' THEN 1 END) AS deliveries,
  COUNT(CASE WHEN event_type = 'Bounce' THEN 1 END) AS bounces,
  COUNT(CASE WHEN event_type = 'SoftBounce' THEN 1 END) AS soft_bounces,
  CAST(COUNT(CASE WHEN event_type = 'Bounce' THEN 1 END) AS DOUBLE) / COUNT(*) AS bounce_rate
FROM stg_email
WHERE event_type IN ('Delivery', 'Bounce', 'SoftBounce') AND sending_ip IS NOT NULL
  AND event_time >= :start_time AND event_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
GROUP BY sending_ip
