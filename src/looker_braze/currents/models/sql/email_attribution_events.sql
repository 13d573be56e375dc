-- The email events attribution.sql attributes: opens (kind 1) and clicks (kind 2), by
-- address. Machine opens and suspected bot clicks are not engagement unless parameter
-- machine_events=include is set (as in Braze's dashboards).
SELECT
  event_id,
  CASE WHEN event_type = 'Open' THEN 1 ELSE 2 END AS kind,
  email_address AS recipient,
  event_time,
  message_key AS message_id,
  COALESCE(send_id, '') AS send_key
FROM stg_email
WHERE event_type IN ('Open', 'Click') AND (NOT is_machine OR :machine_events = 'include')
