-- Staging, subscription changes: subscription group state changes and global (email, push)
-- subscription state changes as one stream, one row per event id (at-least-once delivery: the
-- first copy by time is kept). `status` is Braze's subscription_status folded to lower case
-- without spaces or underscores ("Opted In", "opted_in" -> "optedin"), so the marts compare one
-- spelling.
WITH copies AS (
  SELECT
    'GroupStateChange' AS event_type, ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, CHANNEL,
    SUBSCRIPTION_GROUP_ID, SUBSCRIPTION_STATUS, STATE_CHANGE_SOURCE,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS copy_number
  FROM USERS_BEHAVIORS_SUBSCRIPTIONGROUP_STATECHANGE
  UNION ALL
  SELECT
    'GlobalStateChange', ID, USER_ID, EXTERNAL_USER_ID, TIME, TIMEZONE, CHANNEL,
    CAST(NULL AS VARCHAR), SUBSCRIPTION_STATUS, STATE_CHANGE_SOURCE,
    ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME)
  FROM USERS_BEHAVIORS_SUBSCRIPTION_GLOBALSTATECHANGE
)
SELECT
  ID AS event_id,
  event_type,
  USER_ID AS user_id,
  EXTERNAL_USER_ID AS external_user_id,
  TIME AS event_time,
  TIMEZONE AS timezone,
  LOWER(CHANNEL) AS channel,
  SUBSCRIPTION_GROUP_ID AS subscription_group_id,
  SUBSCRIPTION_STATUS AS subscription_status,
  REPLACE(REPLACE(LOWER(SUBSCRIPTION_STATUS), ' ', ''), '_', '') AS status,
  STATE_CHANGE_SOURCE AS state_change_source
FROM copies
WHERE copy_number = 1
