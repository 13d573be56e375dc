-- Staging, feature flags: impressions (a user's app checked a flag), one row per event id
-- (at-least-once delivery: the first copy by time is kept). `flag`: the flag's id name; the
-- campaign or Canvas fields name the experiment the flag was part of, when there was one.
WITH copies AS (
  SELECT
    ID, USER_ID, EXTERNAL_USER_ID, TIME, FEATURE_FLAG_ID_NAME, APP_ID, PLATFORM, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_STEP_ID,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_MESSAGES_FEATUREFLAG_IMPRESSION
)
SELECT
  ID AS event_id,
  'Impression' AS event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  TIME AS event_time,
  FEATURE_FLAG_ID_NAME AS flag,
  APP_ID AS app_id,
  PLATFORM AS platform,
  CAMPAIGN_ID AS campaign_id,
  CAMPAIGN_NAME AS campaign_name,
  MESSAGE_VARIATION_ID AS message_variation_id,
  CANVAS_ID AS canvas_id,
  CANVAS_NAME AS canvas_name,
  CANVAS_STEP_ID AS canvas_step_id
FROM copies
WHERE copy_number = 1
