-- One row per email delivery, with whether an open and a click were attributed to it
-- (email_attribution: attribution.sql over email_attribution_input, which says how an open or
-- click finds its delivery and leaves machine opens and suspected bot clicks out unless
-- parameter machine_events=include is set).
SELECT
  d.event_id AS delivery_id,
  d.email_address AS recipient,
  d.event_time AS delivered_time,
  d.campaign_id,
  d.campaign_name,
  d.message_variation_id,
  d.canvas_id,
  d.canvas_name,
  d.canvas_step_id,
  CAST(NULL AS VARCHAR) AS platform,
  COALESCE(a.got_kind_1, 0) AS opened,
  COALESCE(a.got_kind_2, 0) AS clicked
FROM stg_email AS d
LEFT JOIN email_attribution AS a
  ON a.delivery_id = d.event_id
WHERE d.event_type = 'Delivery' AND d.email_address IS NOT NULL
