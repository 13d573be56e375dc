-- One row per push send, with whether it bounced and whether an open was attributed to it.
-- Push has no delivery event: a bounce and an open both belong to the latest send of the same
-- message to the same user at or before them (push_attribution: attribution.sql over
-- push_attribution_input, the method of email_engaged_deliveries, user instead of address).
SELECT
  s.event_id AS delivery_id,
  s.user_id AS recipient,
  s.event_time AS delivered_time,
  s.campaign_id,
  s.campaign_name,
  s.message_variation_id,
  s.canvas_id,
  s.canvas_name,
  s.canvas_step_id,
  s.platform,
  COALESCE(a.got_kind_1, 0) AS bounced,
  COALESCE(a.got_kind_2, 0) AS opened
FROM stg_push AS s
LEFT JOIN push_attribution AS a
  ON a.delivery_id = s.event_id
WHERE s.event_type = 'Send' AND s.user_id IS NOT NULL
