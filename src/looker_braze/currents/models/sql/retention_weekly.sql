-- Weekly retention by cohort week (Weekly Retention Chart): users whose first session fell in a
-- Monday week, and the share of them active in week N = 0 ... `weeks` after it. Weeks are
-- numbered before differencing (Snowflake's DATEDIFF(week) counts boundaries; DuckDB's does
-- not). A (cohort week, N) pair appears only once week N is complete in the data.
WITH weekly AS (
  SELECT DISTINCT user_id, app_id, cohort_day // 7 AS cohort_week, weeks_since_first
  FROM retention_activity
),
sizes AS (
  SELECT cohort_week, COUNT(*) AS cohort_users
  FROM weekly
  WHERE weeks_since_first = 0
  GROUP BY cohort_week
),
active AS (
  SELECT cohort_week, weeks_since_first, COUNT(*) AS active_users
  FROM weekly
  WHERE weeks_since_first <= :weeks
  GROUP BY cohort_week, weeks_since_first
),
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS digits(d)
),
offsets AS (
  -- every offset 0 ... weeks, observed or not: a day nobody was active on still shows as 0
  SELECT ones.d + 10 * tens.d + 100 * hundreds.d AS weeks_since_first
  FROM digits AS ones
  CROSS JOIN digits AS tens
  CROSS JOIN digits AS hundreds
  WHERE ones.d + 10 * tens.d + 100 * hundreds.d <= :weeks
),
horizon AS (
  SELECT MAX(active_day) AS last_day
  FROM retention_activity
),
week_starts AS (
  SELECT cohort_day // 7 AS cohort_week, MIN(cohort_date) AS first_cohort_date
  FROM retention_activity
  GROUP BY cohort_day // 7
)
SELECT
  CAST(DATE_TRUNC('week', CAST(w.first_cohort_date AS DATE)) AS DATE) AS cohort_week,
  o.weeks_since_first,
  s.cohort_users,
  COALESCE(a.active_users, 0) AS active_users,
  CAST(COALESCE(a.active_users, 0) AS DOUBLE) / s.cohort_users AS retention_rate
FROM sizes AS s
JOIN week_starts AS w
  ON w.cohort_week = s.cohort_week
CROSS JOIN offsets AS o
CROSS JOIN horizon AS h
LEFT JOIN active AS a
  ON a.cohort_week = s.cohort_week AND a.weeks_since_first = o.weeks_since_first
WHERE (s.cohort_week + o.weeks_since_first) * 7 + 6 <= h.last_day
ORDER BY cohort_week, o.weeks_since_first
