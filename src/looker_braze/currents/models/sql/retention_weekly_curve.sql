-- Weekly retention curve (Weekly Retention Graph, pooled): for week N, users active in week N
-- over the users of every cohort week whose week N is complete in the data.
SELECT
  weeks_since_first,
  COUNT(*) AS cohorts,
  CAST(SUM(cohort_users) AS BIGINT) AS cohort_users,
  CAST(SUM(active_users) AS BIGINT) AS active_users,
  CAST(SUM(active_users) AS DOUBLE) / SUM(cohort_users) AS retention_rate
FROM retention_weekly
GROUP BY weeks_since_first
ORDER BY weeks_since_first
