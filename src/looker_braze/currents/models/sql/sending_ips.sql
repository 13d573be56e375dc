-- Email deliveries and bounces per sending IP. Bounces count events, as the block's "Bounces by
-- Sending IP" tile does (its bounce measure counts event ids). The bounce rate is bounces over
-- every attempt the IP made (deliveries + bounces + soft bounces): sends carry no IP.
WITH attempts AS (
  SELECT SENDING_IP, 1 AS delivered, 0 AS bounced, 0 AS soft_bounced
  FROM USERS_MESSAGES_EMAIL_DELIVERY
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
  UNION ALL
  SELECT SENDING_IP, 0, 1, 0
  FROM USERS_MESSAGES_EMAIL_BOUNCE
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
  UNION ALL
  SELECT SENDING_IP, 0, 0, 1
  FROM USERS_MESSAGES_EMAIL_SOFTBOUNCE
  WHERE TIME >= :start_time AND TIME < :end_time
    AND param_match(CAMPAIGN_NAME, :campaign_name) AND param_match(CANVAS_NAME, :canvas_name)
)
SELECT
  SENDING_IP AS sending_ip,
  CAST(SUM(delivered) AS BIGINT) AS deliveries,
  CAST(SUM(bounced) AS BIGINT) AS bounces,
  CAST(SUM(soft_bounced) AS BIGINT) AS soft_bounces,
  CAST(SUM(bounced) AS DOUBLE) / COUNT(*) AS bounce_rate
FROM attempts
WHERE SENDING_IP IS NOT NULL
GROUP BY SENDING_IP
