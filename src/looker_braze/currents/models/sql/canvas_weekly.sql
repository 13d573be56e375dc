-- Canvas journeys by Monday week of entry (local time) and Canvas: users who entered that week,
-- held in control, and how many of each group converted (in the selected time), with the rates.
-- Each user is counted in the week of their first entry, so a week's rates stay within 100%.
WITH weekly AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(local_date(entry_time) AS DATE)) AS DATE) AS week_start,
    canvas_id,
    canvas_name,
    in_control,
    converted
  FROM canvas_users
),
counted AS (
  SELECT
    week_start,
    canvas_id,
    MAX(canvas_name) AS canvas_name,
    COUNT(*) AS entered_users,
    CAST(SUM(in_control) AS BIGINT) AS control_users,
    CAST(SUM(1 - in_control) AS BIGINT) AS treatment_users,
    CAST(SUM(CASE WHEN in_control = 0 THEN converted ELSE 0 END) AS BIGINT) AS converted_users,
    CAST(SUM(CASE WHEN in_control = 1 THEN converted ELSE 0 END) AS BIGINT)
      AS control_converted_users
  FROM weekly
  GROUP BY week_start, canvas_id
)
SELECT
  week_start,
  canvas_name,
  entered_users,
  control_users,
  treatment_users,
  converted_users,
  CAST(converted_users AS DOUBLE) / NULLIF(treatment_users, 0) AS conversion_rate,
  control_converted_users,
  CAST(control_converted_users AS DOUBLE) / NULLIF(control_users, 0) AS control_conversion_rate
FROM counted
ORDER BY week_start, canvas_name, canvas_id
