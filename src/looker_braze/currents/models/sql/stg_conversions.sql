-- Staging, campaign conversions and control-group enrolments as one stream, one row per event id
-- (at-least-once delivery: the first copy by time is kept). Braze enrols a user in a campaign's
-- control group instead of sending it (EnrollInControl); conversions come from both groups.
WITH copies AS (
  SELECT
    'Conversion' AS event_type, ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, APP_ID,
    CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID, SEND_ID,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_CAMPAIGNS_CONVERSION
  UNION ALL
  SELECT
    'EnrollInControl', ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, APP_ID, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, SEND_ID,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME)
  FROM USERS_CAMPAIGNS_ENROLLINCONTROL
)
SELECT
  ID AS event_id,
  event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  TIME AS event_time,
  TIMEZONE AS timezone,
  APP_ID AS app_id,
  CAMPAIGN_ID AS campaign_id,
  CAMPAIGN_NAME AS campaign_name,
  MESSAGE_VARIATION_ID AS message_variation_id,
  SEND_ID AS send_id
FROM copies
WHERE copy_number = 1
