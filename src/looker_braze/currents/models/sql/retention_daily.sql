-- Daily retention by cohort (the blocks' 28-Day Retention and Daily Retention Chart): for each
-- first-session date and day N = 0 ... `days`, the users active on local day N after it over
-- the cohort's size. A (cohort, day) pair appears only once day N has been observed, i.e. is not
-- after the last active day in the data, so a young cohort is not shown as churned. Offsets come
-- from a digits table (portable: no generate_series on Redshift or Snowflake).
WITH sizes AS (
  SELECT cohort_date, cohort_day, COUNT(*) AS cohort_users
  FROM retention_activity
  WHERE days_since_first = 0
  GROUP BY cohort_date, cohort_day
),
active AS (
  SELECT cohort_day, days_since_first, COUNT(*) AS active_users
  FROM retention_activity
  WHERE days_since_first <= :days
  GROUP BY cohort_day, days_since_first
),
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS digits(d)
),
offsets AS (
  -- every offset 0 ... days, observed or not: a day nobody was active on still shows as 0
  SELECT ones.d + 10 * tens.d + 100 * hundreds.d AS days_since_first
  FROM digits AS ones
  CROSS JOIN digits AS tens
  CROSS JOIN digits AS hundreds
  WHERE ones.d + 10 * tens.d + 100 * hundreds.d <= :days
),
horizon AS (
  SELECT MAX(active_day) AS last_day
  FROM retention_activity
)
SELECT
  s.cohort_date,
  o.days_since_first,
  s.cohort_users,
  COALESCE(a.active_users, 0) AS active_users,
  CAST(COALESCE(a.active_users, 0) AS DOUBLE) / s.cohort_users AS retention_rate
FROM sizes AS s
CROSS JOIN offsets AS o
CROSS JOIN horizon AS h
LEFT JOIN active AS a
  ON a.cohort_day = s.cohort_day AND a.days_since_first = o.days_since_first
WHERE s.cohort_day + o.days_since_first <= h.last_day
ORDER BY s.cohort_date, o.days_since_first
