-- The sends push bounces and opens are attributed to (attribution.sql; push has no delivery
-- event), by user.
SELECT
  event_id AS delivery_id,
  user_id AS recipient,
  event_time AS delivered_time,
  message_key AS message_id,
  COALESCE(send_id, '') AS send_key
FROM stg_push
WHERE event_type = 'Send'
