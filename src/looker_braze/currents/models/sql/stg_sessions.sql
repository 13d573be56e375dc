-- Staging, app sessions: first sessions and session starts as one stream, one row per event id
-- (at-least-once delivery: the first copy by time is kept). Session ends, which carry the
-- duration and arrive only from SDKs that track it, are stg_session_ends: a warehouse (or a
-- Looker connection) without them still has retention.
WITH copies AS (
  SELECT
    'FirstSession' AS event_type, ID, USER_ID, EXTERNAL_USER_ID, APP_ID, TIME, SESSION_ID,
    PLATFORM, DEVICE_ID, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_BEHAVIORS_APP_FIRSTSESSION
  UNION ALL
  SELECT
    'SessionStart', ID, USER_ID, EXTERNAL_USER_ID, APP_ID, TIME, SESSION_ID, PLATFORM,
    DEVICE_ID, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME)
  FROM USERS_BEHAVIORS_APP_SESSIONSTART
)
SELECT
  ID AS event_id,
  event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  APP_ID AS app_id,
  TIME AS event_time,
  SESSION_ID AS session_id,
  PLATFORM AS platform,
  DEVICE_ID AS device_id
FROM copies
WHERE copy_number = 1
