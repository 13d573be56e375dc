-- Canvas step progression, one row per (Canvas, step): users who progressed into the step
-- (users.canvasstep.Progression other than an exit), how many of them went on to the step's
-- next step (the progression's next_step_id) and the share that did, and how many of them
-- exited there for each of Braze's exit reasons (users.canvas.exit.<Reason> at that step).
-- Exits and moves are counted among the users who reached the step in the selected time, so
-- every rate is users over users of the same step: never above 100%. A step with no next step
-- (the last) has no progression rate.
WITH scoped AS (
  SELECT
    event_type, canvas_id, canvas_name, canvas_step_id, canvas_step_name, user_id,
    progression_type, next_step_id, exit_reason
  FROM stg_canvas
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(canvas_name, :canvas_name)
    AND user_id IS NOT NULL AND canvas_id IS NOT NULL AND canvas_step_id IS NOT NULL
    AND event_type IN ('Progression', 'Exit')
),
reached AS (
  SELECT
    canvas_id,
    canvas_step_id,
    user_id,
    MAX(canvas_name) AS canvas_name,
    MAX(canvas_step_name) AS canvas_step_name,
    MAX(next_step_id) AS next_step_id
  FROM scoped
  WHERE event_type = 'Progression' AND COALESCE(LOWER(progression_type), '') <> 'exit'
  GROUP BY canvas_id, canvas_step_id, user_id
),
exits AS (
  SELECT
    canvas_id,
    canvas_step_id,
    user_id,
    MAX(CASE WHEN exit_reason = 'MatchedAudience' THEN 1 ELSE 0 END) AS matched_audience,
    MAX(CASE WHEN exit_reason = 'PerformedEvent' THEN 1 ELSE 0 END) AS performed_event
  FROM scoped
  WHERE event_type = 'Exit'
  GROUP BY canvas_id, canvas_step_id, user_id
),
per_user AS (
  SELECT
    reached.canvas_id,
    reached.canvas_step_id,
    reached.canvas_name,
    reached.canvas_step_name,
    CASE WHEN reached.next_step_id IS NOT NULL THEN 1 ELSE 0 END AS has_next,
    CASE WHEN moved.user_id IS NOT NULL THEN 1 ELSE 0 END AS moved_on,
    COALESCE(exits.matched_audience, 0) AS matched_audience,
    COALESCE(exits.performed_event, 0) AS performed_event
  FROM reached
  LEFT JOIN reached AS moved
    ON moved.canvas_id = reached.canvas_id AND moved.user_id = reached.user_id
      AND moved.canvas_step_id = reached.next_step_id
  LEFT JOIN exits
    ON exits.canvas_id = reached.canvas_id AND exits.user_id = reached.user_id
      AND exits.canvas_step_id = reached.canvas_step_id
),
counted AS (
  SELECT
    canvas_id,
    canvas_step_id,
    MAX(canvas_name) AS canvas_name,
    MAX(canvas_step_name) AS canvas_step_name,
    COUNT(*) AS users_reached,
    CAST(SUM(has_next) AS BIGINT) AS users_with_next_step,
    CAST(SUM(moved_on) AS BIGINT) AS users_moved_on,
    CAST(SUM(matched_audience) AS BIGINT) AS exited_matched_audience,
    CAST(SUM(performed_event) AS BIGINT) AS exited_performed_event
  FROM per_user
  GROUP BY canvas_id, canvas_step_id
)
SELECT
  canvas_name,
  canvas_step_name,
  canvas_step_id,
  users_reached,
  users_moved_on,
  CASE WHEN users_with_next_step > 0
    THEN CAST(users_moved_on AS DOUBLE) / users_reached END AS progression_rate,
  exited_matched_audience,
  CAST(exited_matched_audience AS DOUBLE) / users_reached AS matched_audience_exit_rate,
  exited_performed_event,
  CAST(exited_performed_event AS DOUBLE) / users_reached AS performed_event_exit_rate
FROM counted
ORDER BY canvas_name, users_reached DESC, canvas_step_name, canvas_step_id
