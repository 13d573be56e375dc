-- Feature flag impressions per flag: impressions (events), users exposed (distinct users, the
-- flag's reach) and impressions per exposed user.
SELECT
  flag,
  COUNT(*) AS impressions,
  COUNT(DISTINCT user_id) AS users_exposed,
  CAST(COUNT(*) AS DOUBLE) / NULLIF(COUNT(DISTINCT user_id), 0) AS impressions_per_user
FROM stg_feature_flags
WHERE event_time >= :start_time AND event_time < :end_time
GROUP BY flag
ORDER BY users_exposed DESC, flag
