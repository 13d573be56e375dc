-- The deliveries email opens and clicks are attributed to (attribution.sql), by address.
SELECT
  event_id AS delivery_id,
  email_address AS recipient,
  event_time AS delivered_time,
  message_key AS message_id,
  COALESCE(send_id, '') AS send_key
FROM stg_email
WHERE event_type = 'Delivery'
