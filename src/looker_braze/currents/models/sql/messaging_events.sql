-- SMS, WhatsApp, RCS and LINE events as one stream (`channel` tells them apart), each placed
-- by its own time and kept when it matches the parameters. Per event:
-- `pair`: the (user, message) it belongs to, for unique counts (one per user and message,
--   message = the staging models' `message_key`); user ids, unlike phone numbers, are on every
--   event of every channel (clicks and inbound messages name the phone in another field, LINE
--   names none);
-- `engaged`: 0 for a suspected bot click unless parameter machine_events=include (Braze's
--   dashboards leave them out of engagement), else 1;
-- `is_base`: the event is what engagement rates are per: a delivery, or a send where the
--   channel reports no delivery (messaging_channels);
-- `is_opt_out`, `is_opt_in`: an inbound message whose keyword made Braze unsubscribe or
--   subscribe the user; `is_reply`: any other inbound message.
WITH events AS (
  SELECT * FROM stg_sms
  UNION ALL
  SELECT * FROM stg_whatsapp
  UNION ALL
  SELECT * FROM stg_rcs
  UNION ALL
  SELECT * FROM stg_line
)
SELECT
  events.channel,
  messaging_channels.reports_delivery,
  messaging_channels.reports_read,
  events.event_type,
  events.event_id,
  events.user_id,
  events.address,
  events.event_time,
  events.campaign_name,
  events.canvas_name,
  events.message_variation_id,
  events.canvas_step_id,
  CASE WHEN events.canvas_id IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
  COALESCE(events.canvas_id, events.campaign_id) AS message_id,
  COALESCE(events.canvas_name, events.campaign_name) AS message_name,
  CASE WHEN events.user_id IS NOT NULL AND events.message_key IS NOT NULL
    THEN events.message_key || '|' || events.user_id END AS pair,
  events.is_machine,
  CASE WHEN events.is_machine AND :machine_events <> 'include' THEN 0 ELSE 1 END AS engaged,
  CASE WHEN events.event_type = 'Delivery'
    OR (events.event_type = 'Send' AND NOT messaging_channels.reports_delivery)
    THEN 1 ELSE 0 END AS is_base,
  events.inbound_action,
  CASE WHEN events.event_type = 'InboundReceive' AND events.inbound_action = 'Unsubscribed'
    THEN 1 ELSE 0 END AS is_opt_out,
  CASE WHEN events.event_type = 'InboundReceive' AND events.inbound_action = 'Subscribed'
    THEN 1 ELSE 0 END AS is_opt_in,
  CASE WHEN events.event_type = 'InboundReceive'
    AND COALESCE(events.inbound_action, 'None') NOT IN ('Subscribed', 'Unsubscribed')
    THEN 1 ELSE 0 END AS is_reply,
  events.error_code
FROM events
JOIN messaging_channels ON messaging_channels.channel = events.channel
WHERE events.event_time >= :start_time AND events.event_time < :end_time
  AND param_match(events.channel, :channel)
  AND param_match(events.campaign_name, :campaign_name)
  AND param_match(events.canvas_name, :canvas_name)
  AND param_match(events.message_variation_id, :message_variation_id)
  AND param_match(events.canvas_step_id, :canvas_step_id)
