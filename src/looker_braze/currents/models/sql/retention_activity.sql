-- Retention base: every (user, app) with a first session, and each local day it was active on.
-- Cohort = local date of the first session (parameter `timezone`, America/New_York by default);
-- the blocks join SessionStart to FirstSession on user_id AND app_id, so a (user, app) pair is
-- the unit. The first session itself counts as activity on day 0. Day numbers count local days
-- from Monday 1900-01-01, so `// 7` numbers Monday weeks on every engine.
WITH first_session AS (
  SELECT user_id AS USER_ID, app_id AS APP_ID, MIN(event_time) AS first_time
  FROM stg_sessions
  WHERE event_type = 'FirstSession' AND param_match(app_id, :app_id)
  GROUP BY user_id, app_id
),
cohort AS (
  SELECT
    USER_ID,
    APP_ID,
    local_date(first_time) AS cohort_date,
    local_day(first_time) AS cohort_day
  FROM first_session
  WHERE first_time >= :start_time AND first_time < :end_time
),
active AS (
  SELECT user_id AS USER_ID, app_id AS APP_ID, local_day(event_time) AS active_day
  FROM stg_sessions
  WHERE event_type = 'SessionStart' AND param_match(app_id, :app_id)
  UNION
  SELECT USER_ID, APP_ID, cohort_day
  FROM cohort
)
SELECT
  c.USER_ID AS user_id,
  c.APP_ID AS app_id,
  c.cohort_date,
  c.cohort_day,
  a.active_day,
  a.active_day - c.cohort_day AS days_since_first,
  a.active_day // 7 - c.cohort_day // 7 AS weeks_since_first
FROM cohort AS c
JOIN active AS a
  ON a.USER_ID = c.USER_ID AND a.APP_ID = c.APP_ID AND a.active_day >= c.cohort_day
