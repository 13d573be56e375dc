-- The push cadence view's send counts: sends (bounced or not) by their rank among the sends
-- their user got (push_send_ranks), with bounces, the users who bounced and the bounce rate per
-- rank. Filters apply to the ranked rows, as in the cadence models.
SELECT
  send_rank,
  COUNT(*) AS sends,
  CAST(SUM(bounced) AS BIGINT) AS bounces,
  COUNT(DISTINCT CASE WHEN bounced = 1 THEN recipient END) AS bounced_recipients,
  CAST(SUM(bounced) AS DOUBLE) / COUNT(*) AS bounce_rate
FROM push_send_ranks
WHERE sent_time >= :start_time AND sent_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
  AND param_match(platform, :platform)
GROUP BY send_rank
ORDER BY send_rank
