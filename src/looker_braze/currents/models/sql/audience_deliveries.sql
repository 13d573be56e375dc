-- One row per delivered message, any channel, with who received it (Braze id, external id,
-- address) and whether they engaged with it, as each channel's attribution model decides:
-- email, a person's open or click attributed to the delivery (machine opens and suspected bot
-- clicks only with machine_events=include); push, an open of a send that did not bounce.
SELECT
  'email' AS channel,
  d.delivery_id,
  s.user_id,
  s.external_user_id,
  LOWER(d.recipient) AS email_address,
  d.delivered_time,
  CASE WHEN d.opened = 1 OR d.clicked = 1 THEN 1 ELSE 0 END AS engaged
FROM email_engaged_deliveries AS d
JOIN stg_email AS s
  ON s.event_id = d.delivery_id
UNION ALL
SELECT
  'push' AS channel,
  p.delivery_id,
  p.recipient AS user_id,
  s.external_user_id,
  CAST(NULL AS VARCHAR) AS email_address,
  p.delivered_time,
  p.opened AS engaged
FROM push_sends AS p
JOIN stg_push AS s
  ON s.event_id = p.delivery_id
WHERE p.bounced = 0
