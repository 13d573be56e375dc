-- Feature flag impressions per flag and local Monday week of each impression: impressions
-- and users exposed that week (counted over the week, not summed from its days).
SELECT
  CAST(DATE_TRUNC('week', local_date(event_time)) AS DATE) AS period_start,
  flag,
  COUNT(*) AS impressions,
  COUNT(DISTINCT user_id) AS users_exposed
FROM stg_feature_flags
WHERE event_time >= :start_time AND event_time < :end_time
GROUP BY CAST(DATE_TRUNC('week', local_date(event_time)) AS DATE), flag
ORDER BY period_start, flag
