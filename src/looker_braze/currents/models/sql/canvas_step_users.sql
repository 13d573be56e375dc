-- One row per (Canvas, step, user) who progressed into the step in the selected time
-- (users.canvasstep.Progression other than an exit): whether the step has a next step for the
-- user (the progression's next_step_id), whether the user went on to it, and whether the user
-- exited at the step for each of Braze's exit reasons (users.canvas.exit.<Reason>). Moves and
-- exits count for users who reached the step in the selected time only. `entries`: the user's
-- progressions into the step (Braze's step "Entries" count each re-entry).
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
    MAX(next_step_id) AS next_step_id,
    COUNT(*) AS entries
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
    reached.user_id,
    reached.canvas_id,
    reached.canvas_step_id,
    reached.canvas_name,
    reached.canvas_step_name,
    reached.entries,
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
)
SELECT
  canvas_id, canvas_step_id, canvas_name, canvas_step_name, user_id, entries, has_next,
  moved_on, matched_audience, performed_event
FROM per_user
