-- Staging, in-app messages: impressions, clicks and aborted messages as one stream, one row per
-- event id (at-least-once delivery: the first copy by time is kept). `card_id`: the in-app
-- message's. `abort_type`: why Braze aborted the message (aborts only). Content cards are a
-- family of their own (stg_content_cards). In-app events carry no bot flag in Braze's schemas.
WITH copies AS (
  SELECT
    'Impression' AS event_type, ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, APP_ID, CARD_ID, PLATFORM, CAST(NULL AS VARCHAR) AS abort_type,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_MESSAGES_INAPPMESSAGE_IMPRESSION
  UNION ALL
  SELECT
    'Click', ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, CAMPAIGN_ID, CAMPAIGN_NAME,
    MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID, CANVAS_STEP_ID,
    SEND_ID, APP_ID, CARD_ID, PLATFORM, CAST(NULL AS VARCHAR), ROW_NUMBER() OVER (PARTITION
    BY ID ORDER BY TIME)
  FROM USERS_MESSAGES_INAPPMESSAGE_CLICK
  UNION ALL
  SELECT
    'Abort', ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, CAMPAIGN_ID, CAMPAIGN_NAME,
    MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID, CANVAS_STEP_ID,
    SEND_ID, APP_ID, CARD_ID, PLATFORM, ABORT_TYPE, ROW_NUMBER() OVER (PARTITION BY ID ORDER
    BY TIME)
  FROM USERS_MESSAGES_INAPPMESSAGE_ABORT
)
SELECT
  ID AS event_id,
  event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  TIME AS event_time,
  TIMEZONE AS timezone,
  CAMPAIGN_ID AS campaign_id,
  CAMPAIGN_NAME AS campaign_name,
  MESSAGE_VARIATION_ID AS message_variation_id,
  CANVAS_ID AS canvas_id,
  CANVAS_NAME AS canvas_name,
  CANVAS_VARIATION_ID AS canvas_variation_id,
  CANVAS_STEP_ID AS canvas_step_id,
  SEND_ID AS send_id,
  message_key(CANVAS_ID, CANVAS_STEP_ID, MESSAGE_VARIATION_ID) AS message_key,
  APP_ID AS app_id,
  CARD_ID AS card_id,
  PLATFORM AS platform,
  abort_type
FROM copies
WHERE copy_number = 1
