-- Daily retention curve (Daily Retention Graph, pooled): for day N, users active on day N over
-- the users of every cohort old enough to have reached day N.
SELECT
  days_since_first,
  COUNT(*) AS cohorts,
  CAST(SUM(cohort_users) AS BIGINT) AS cohort_users,
  CAST(SUM(active_users) AS BIGINT) AS active_users,
  CAST(SUM(active_users) AS DOUBLE) / SUM(cohort_users) AS retention_rate
FROM retention_daily
GROUP BY days_since_first
ORDER BY days_since_first
