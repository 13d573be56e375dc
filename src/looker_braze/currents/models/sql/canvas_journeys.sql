-- Canvas journeys, one row per Canvas: users who entered it, how many were held in its control
-- group, exits by Braze's exit reason (users who left because they matched the exit audience or
-- performed the exit event), and conversions (users.canvas.Conversion) of the users who got the
-- Canvas against those of its control group. Rates are users over users of the same cohort:
-- never above 100%; the lift is left empty when there is no control group.
WITH counted AS (
  SELECT
    canvas_id,
    MAX(canvas_name) AS canvas_name,
    COUNT(*) AS entered_users,
    CAST(SUM(in_control) AS BIGINT) AS control_users,
    CAST(SUM(1 - in_control) AS BIGINT) AS treatment_users,
    CAST(SUM(CASE WHEN in_control = 0 THEN exited_matched_audience ELSE 0 END) AS BIGINT)
      AS exited_matched_audience,
    CAST(SUM(CASE WHEN in_control = 0 THEN exited_performed_event ELSE 0 END) AS BIGINT)
      AS exited_performed_event,
    CAST(SUM(CASE WHEN in_control = 0 THEN converted ELSE 0 END) AS BIGINT) AS converted_users,
    CAST(SUM(CASE WHEN in_control = 1 THEN converted ELSE 0 END) AS BIGINT)
      AS control_converted_users
  FROM canvas_users
  GROUP BY canvas_id
)
SELECT
  canvas_name,
  entered_users,
  control_users,
  CAST(control_users AS DOUBLE) / NULLIF(entered_users, 0) AS control_share,
  treatment_users,
  exited_matched_audience,
  CAST(exited_matched_audience AS DOUBLE) / NULLIF(treatment_users, 0)
    AS matched_audience_exit_rate,
  exited_performed_event,
  CAST(exited_performed_event AS DOUBLE) / NULLIF(treatment_users, 0)
    AS performed_event_exit_rate,
  converted_users,
  CAST(converted_users AS DOUBLE) / NULLIF(treatment_users, 0) AS conversion_rate,
  control_converted_users,
  CAST(control_converted_users AS DOUBLE) / NULLIF(control_users, 0) AS control_conversion_rate,
  CASE WHEN control_users > 0 AND treatment_users > 0
    THEN CAST(converted_users AS DOUBLE) / treatment_users
      - CAST(control_converted_users AS DOUBLE) / control_users
  END AS conversion_lift,
  CASE WHEN control_users = 0 THEN 'no control group' END AS lift_note
FROM counted
ORDER BY canvas_name, canvas_id
