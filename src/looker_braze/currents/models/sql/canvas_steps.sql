-- Canvas step progression, one row per (Canvas, step): users who progressed into the step
-- (users.canvasstep.Progression other than an exit), how many of them went on to the step's
-- next step (the progression's next_step_id) and the share that did, and how many of them
-- exited there for each of Braze's exit reasons (users.canvas.exit.<Reason> at that step).
-- Exits and moves are counted among the users who reached the step in the selected time, so
-- every rate is users over users of the same step: never above 100%. A step with no next step
-- (the last) has no progression rate. `step_entries` counts entries as Braze's step analytics
-- do (a user re-entering a step is two entries); the rates are over users.
WITH counted AS (
  SELECT
    canvas_id,
    canvas_step_id,
    MAX(canvas_name) AS canvas_name,
    MAX(canvas_step_name) AS canvas_step_name,
    COUNT(*) AS users_reached,
    CAST(SUM(entries) AS BIGINT) AS step_entries,
    CAST(SUM(has_next) AS BIGINT) AS users_with_next_step,
    CAST(SUM(moved_on) AS BIGINT) AS users_moved_on,
    CAST(SUM(matched_audience) AS BIGINT) AS exited_matched_audience,
    CAST(SUM(performed_event) AS BIGINT) AS exited_performed_event
  FROM canvas_step_users
  GROUP BY canvas_id, canvas_step_id
)
SELECT
  canvas_name,
  canvas_step_name,
  canvas_step_id,
  step_entries,
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
