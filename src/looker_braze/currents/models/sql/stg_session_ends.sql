-- Staging, app session ends: one row per event id (at-least-once delivery: the first copy by
-- time is kept), with the session's `duration` in seconds.
WITH copies AS (
  SELECT
    ID, USER_ID, EXTERNAL_USER_ID, APP_ID, TIME, SESSION_ID, PLATFORM, DEVICE_ID,
    CAST(DURATION AS DOUBLE) AS duration,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_BEHAVIORS_APP_SESSIONEND
)
SELECT
  ID AS event_id,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  APP_ID AS app_id,
  TIME AS event_time,
  SESSION_ID AS session_id,
  PLATFORM AS platform,
  DEVICE_ID AS device_id,
  duration
FROM copies
WHERE copy_number = 1
