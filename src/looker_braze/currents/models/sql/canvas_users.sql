-- One row per (Canvas, user) who entered it in the selected time: the first entry's time,
-- whether the user was held in the Canvas's control group (any entry in control), and what the
-- user did in it in the selected time: converted (users.canvas.Conversion), exited for each of
-- Braze's exit reasons. Outcomes count for entered users only, so every rate over them stays
-- within 100% (an exit or conversion of a user who entered earlier is not in the cohort).
WITH scoped AS (
  SELECT event_type, canvas_id, canvas_name, user_id, event_time, in_control_group, exit_reason
  FROM stg_canvas
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(canvas_name, :canvas_name)
    AND user_id IS NOT NULL AND canvas_id IS NOT NULL
    AND event_type IN ('Entry', 'Conversion', 'Exit')
),
entered AS (
  SELECT
    canvas_id,
    user_id,
    MAX(canvas_name) AS canvas_name,
    MIN(event_time) AS entry_time,
    MAX(CASE WHEN in_control_group THEN 1 ELSE 0 END) AS in_control
  FROM scoped
  WHERE event_type = 'Entry'
  GROUP BY canvas_id, user_id
),
outcomes AS (
  SELECT
    canvas_id,
    user_id,
    MAX(CASE WHEN event_type = 'Conversion' THEN 1 ELSE 0 END) AS converted,
    MAX(CASE WHEN event_type = 'Exit' AND exit_reason = 'MatchedAudience' THEN 1 ELSE 0 END)
      AS exited_matched_audience,
    MAX(CASE WHEN event_type = 'Exit' AND exit_reason = 'PerformedEvent' THEN 1 ELSE 0 END)
      AS exited_performed_event
  FROM scoped
  WHERE event_type IN ('Conversion', 'Exit')
  GROUP BY canvas_id, user_id
)
SELECT
  entered.canvas_id,
  entered.canvas_name,
  entered.user_id,
  entered.entry_time,
  entered.in_control,
  COALESCE(outcomes.converted, 0) AS converted,
  COALESCE(outcomes.exited_matched_audience, 0) AS exited_matched_audience,
  COALESCE(outcomes.exited_performed_event, 0) AS exited_performed_event
FROM entered
LEFT JOIN outcomes
  ON outcomes.canvas_id = entered.canvas_id AND outcomes.user_id = entered.user_id
