-- Every Braze user the loaded Currents know, with the ids an audience can name them by: their
-- external id and, from their email events, their address (lower case: addresses compare
-- case-insensitively). A user is known from any message on any channel, a campaign or Canvas
-- conversion, or a subscription change (the families audience_activity counts), so a member
-- reached only by SMS is found as well as one reached by email. One row per distinct
-- (user, external id, address).
WITH seen AS (
  SELECT user_id, external_user_id, LOWER(email_address) AS email_address FROM stg_email
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_push
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_sms
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_whatsapp
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_rcs
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_line
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_in_app
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_content_cards
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_banners
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_webhooks
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_conversions
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_canvas
  UNION
  SELECT user_id, external_user_id, CAST(NULL AS VARCHAR) FROM stg_subscriptions
)
SELECT user_id, external_user_id, email_address
FROM seen
WHERE user_id IS NOT NULL
