-- Staging, email: the eight email event tables as one stream, one row per event id (Currents
-- delivery is at least once, so a row may arrive twice: the first copy by time is kept), with
-- the analysts' names and types. Only staging models read raw tables (tests enforce it).
-- `message_key` names the message an event belongs to: the canvas step for canvases, the
-- message variation for campaigns (Braze's samples fill both on every event, so counting
-- (variation, address) and (step, address) pairs apart counts each open twice).
-- `is_machine`: an open a mail privacy proxy or scanner made (`machine_open` set: "true" today,
-- the process's name perhaps later, per Braze's glossary) or a
-- click Braze suspects a bot made (`is_suspected_bot_click`); Braze's dashboards leave both out
-- of engagement. Tables loaded from older schema versions lack those columns: they read as
-- NULL (the compiler stands in for a column the loaded table does not have).
WITH copies AS (
  SELECT
    'Send' AS event_type, ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE,
    CAMPAIGN_ID, CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME,
    CANVAS_VARIATION_ID, CANVAS_STEP_ID, SEND_ID, CAST(NULL AS VARCHAR) AS sending_ip, FALSE
    AS is_machine, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_MESSAGES_EMAIL_SEND
  UNION ALL
  SELECT
    'Delivery', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, SENDING_IP, FALSE, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY
    TIME)
  FROM USERS_MESSAGES_EMAIL_DELIVERY
  UNION ALL
  SELECT
    'Open', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, CAST(NULL AS VARCHAR), COALESCE(LOWER(CAST(MACHINE_OPEN AS
    VARCHAR)) NOT IN ('false', ''), FALSE), ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME)
  FROM USERS_MESSAGES_EMAIL_OPEN
  UNION ALL
  SELECT
    'Click', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, CAST(NULL AS VARCHAR), COALESCE(LOWER(CAST(IS_SUSPECTED_BOT_CLICK
    AS VARCHAR)) = 'true', FALSE), ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME)
  FROM USERS_MESSAGES_EMAIL_CLICK
  UNION ALL
  SELECT
    'Bounce', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, SENDING_IP, FALSE, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY
    TIME)
  FROM USERS_MESSAGES_EMAIL_BOUNCE
  UNION ALL
  SELECT
    'SoftBounce', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, SENDING_IP, FALSE, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY
    TIME)
  FROM USERS_MESSAGES_EMAIL_SOFTBOUNCE
  UNION ALL
  SELECT
    'MarkAsSpam', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, CAST(NULL AS VARCHAR), FALSE, ROW_NUMBER() OVER (PARTITION BY ID
    ORDER BY TIME)
  FROM USERS_MESSAGES_EMAIL_MARKASSPAM
  UNION ALL
  SELECT
    'Unsubscribe', ID, USER_ID, EXTERNAL_USER_ID, EMAIL_ADDRESS, TIME, TIMEZONE, CAMPAIGN_ID,
    CAMPAIGN_NAME, MESSAGE_VARIATION_ID, CANVAS_ID, CANVAS_NAME, CANVAS_VARIATION_ID,
    CANVAS_STEP_ID, SEND_ID, CAST(NULL AS VARCHAR), FALSE, ROW_NUMBER() OVER (PARTITION BY ID
    ORDER BY TIME)
  FROM USERS_MESSAGES_EMAIL_UNSUBSCRIBE
)
SELECT
  ID AS event_id,
  event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  EMAIL_ADDRESS AS email_address,
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
  sending_ip,
  is_machine
FROM copies
WHERE copy_number = 1
