-- One row per (Canvas, experiment step, path, user) who entered the path in the selected time
-- (users.canvas.experimentstep.SplitEntry), and whether the user converted on it
-- (experimentstep.Conversion in the selected time).
WITH scoped AS (
  SELECT
    event_type, canvas_id, canvas_name, canvas_step_name, experiment_step_id,
    experiment_split_id, experiment_split_name, user_id
  FROM stg_canvas
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(canvas_name, :canvas_name)
    AND user_id IS NOT NULL AND canvas_id IS NOT NULL AND experiment_split_id IS NOT NULL
    AND event_type IN ('SplitEntry', 'ExperimentConversion')
),
paths AS (
  SELECT
    canvas_id,
    experiment_step_id,
    experiment_split_id,
    user_id,
    MAX(canvas_name) AS canvas_name,
    MAX(canvas_step_name) AS step_name,
    MAX(experiment_split_name) AS path_name
  FROM scoped
  WHERE event_type = 'SplitEntry'
  GROUP BY canvas_id, experiment_step_id, experiment_split_id, user_id
),
converted AS (
  SELECT DISTINCT canvas_id, experiment_step_id, experiment_split_id, user_id
  FROM scoped
  WHERE event_type = 'ExperimentConversion'
)
SELECT
  paths.canvas_id,
  paths.experiment_step_id,
  paths.experiment_split_id,
  paths.canvas_name,
  paths.step_name,
  paths.path_name,
  paths.user_id,
  CASE WHEN converted.user_id IS NOT NULL THEN 1 ELSE 0 END AS converted
FROM paths
LEFT JOIN converted
  ON converted.canvas_id = paths.canvas_id
    AND converted.experiment_step_id IS NOT DISTINCT FROM paths.experiment_step_id
    AND converted.experiment_split_id = paths.experiment_split_id
    AND converted.user_id = paths.user_id
