-- Canvas experiment paths, one row per (Canvas, experiment step, path): users who entered the
-- path (users.canvas.experimentstep.SplitEntry), the path's share of the step's users, and the
-- users of the path who converted on it (experimentstep.Conversion) with the path's conversion
-- rate. Conversions count for users who entered the path in the selected time only, so rates
-- stay within 100%.
WITH counted AS (
  SELECT
    canvas_id,
    experiment_step_id,
    experiment_split_id,
    MAX(canvas_name) AS canvas_name,
    MAX(step_name) AS step_name,
    MAX(path_name) AS path_name,
    COUNT(*) AS path_users,
    CAST(SUM(converted) AS BIGINT) AS converted_users
  FROM canvas_path_users
  GROUP BY canvas_id, experiment_step_id, experiment_split_id
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
