-- Canvas experiment paths, one row per (Canvas, experiment step, path): users who entered the
-- path (users.canvas.experimentstep.SplitEntry), the path's share of the step's users, and the
-- users of the path who converted on it (experimentstep.Conversion) with the path's conversion
-- rate. Conversions count for users who entered the path in the selected time only, so rates
-- stay within 100%.
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
),
counted AS (
  SELECT
    paths.canvas_id,
    paths.experiment_step_id,
    paths.experiment_split_id,
    MAX(paths.canvas_name) AS canvas_name,
    MAX(paths.step_name) AS step_name,
    MAX(paths.path_name) AS path_name,
    COUNT(*) AS path_users,
    COUNT(converted.user_id) AS converted_users
  FROM paths
  LEFT JOIN converted
    ON converted.canvas_id = paths.canvas_id
      AND converted.experiment_step_id IS NOT DISTINCT FROM paths.experiment_step_id
      AND converted.experiment_split_id = paths.experiment_split_id
      AND converted.user_id = paths.user_id
  GROUP BY paths.canvas_id, paths.experiment_step_id, paths.experiment_split_id
)
SELECT
  canvas_name,
  step_name,
  path_name,
  experiment_split_id,
  path_users,
  CAST(path_users AS DOUBLE)
    / SUM(path_users) OVER (PARTITION BY canvas_id, experiment_step_id) AS path_share,
  converted_users,
  CAST(converted_users AS DOUBLE) / path_users AS conversion_rate
FROM counted
ORDER BY canvas_name, step_name, path_name, experiment_split_id
