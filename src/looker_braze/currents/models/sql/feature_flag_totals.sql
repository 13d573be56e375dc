-- Feature flag impressions, all flags together: impressions (events), users exposed (distinct
-- users with an impression of any flag) and flags seen. One row even when none was seen.
SELECT
  COUNT(*) AS impressions,
  COUNT(DISTINCT user_id) AS users_exposed,
  COUNT(DISTINCT flag) AS flags
FROM stg_feature_flags
WHERE event_time >= :start_time AND event_time < :end_time
