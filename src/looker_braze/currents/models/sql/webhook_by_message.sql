-- Webhooks per campaign and canvas (webhook_messages) with their rates over unique sends:
-- failure rate = sends with a failed attempt, give-up rate = sends Braze gave up on.
SELECT
  message_type,
  message_id,
  message_name,
  sends,
  failures,
  failed_sends,
  CAST(failed_sends AS DOUBLE) / NULLIF(unique_sends, 0) AS failure_rate,
  given_up,
  CAST(given_up AS DOUBLE) / NULLIF(unique_sends, 0) AS give_up_rate,
  retries,
  aborts
FROM webhook_messages
ORDER BY sends DESC, message_type, message_id
