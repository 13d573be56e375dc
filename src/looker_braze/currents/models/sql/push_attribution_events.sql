-- The push events attribution.sql attributes: bounces (kind 1) and opens (kind 2), by user.
SELECT
  event_id,
  CASE WHEN event_type = 'Bounce' THEN 1 ELSE 2 END AS kind,
  user_id AS recipient,
  event_time,
  message_key AS message_id,
  COALESCE(send_id, '') AS send_key
FROM stg_push
WHERE event_type IN ('Bounce', 'Open')
