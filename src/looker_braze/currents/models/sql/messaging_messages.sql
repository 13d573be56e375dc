-- SMS, WhatsApp, RCS and LINE measures of every campaign and canvas, one row per channel and
-- message. Sends, carrier sends, rejections, deliveries, failures, retries and aborts count
-- events; unique reads, clicks and replies count distinct (user, message) pairs, suspected bot
-- clicks left out unless machine_events=include (counted beside: `bot_clicks`); opt-outs and
-- opt-ins count distinct users (`opt_out_events` beside). Rates: delivery, rejection and
-- failure per send; read, click, reply and opt-out per delivery (LINE, which reports no
-- delivery: per send; its `delivered` is NULL); reads are NULL on channels without them
-- (messaging_channels). Inbound messages Braze tied to no message make a row of their own
-- (no message id).
WITH counted AS (
  SELECT
    channel,
    message_type,
    message_id,
    MAX(message_name) AS message_name,
    MAX(CASE WHEN reports_delivery THEN 1 ELSE 0 END) AS reports_delivery,
    MAX(CASE WHEN reports_read THEN 1 ELSE 0 END) AS reports_read,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sent,
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN user_id END) AS recipients,
    COUNT(CASE WHEN event_type = 'CarrierSend' THEN 1 END) AS carrier_sent,
    COUNT(CASE WHEN event_type = 'Rejection' THEN 1 END) AS rejections,
    COUNT(CASE WHEN event_type = 'Delivery' THEN 1 END) AS delivered,
    COUNT(CASE WHEN event_type = 'Failure' THEN 1 END) AS failures,
    COUNT(CASE WHEN is_base = 1 THEN 1 END) AS engagement_base,
    COUNT(DISTINCT CASE WHEN event_type = 'Read' THEN pair END) AS unique_reads,
    COUNT(CASE WHEN event_type = 'Click' AND engaged = 1 THEN 1 END) AS total_clicks,
    COUNT(DISTINCT CASE WHEN event_type = 'Click' AND engaged = 1 THEN pair END)
      AS unique_clicks,
    COUNT(CASE WHEN event_type = 'Click' AND is_machine THEN 1 END) AS bot_clicks,
    COUNT(CASE WHEN event_type = 'InboundReceive' THEN 1 END) AS inbound_messages,
    COUNT(DISTINCT CASE WHEN is_reply = 1 THEN pair END) AS unique_replies,
    COUNT(DISTINCT CASE WHEN is_opt_out = 1 THEN user_id END) AS opt_outs,
    COUNT(CASE WHEN is_opt_out = 1 THEN 1 END) AS opt_out_events,
    COUNT(DISTINCT CASE WHEN is_opt_in = 1 THEN user_id END) AS opt_ins,
    COUNT(CASE WHEN event_type = 'Retry' THEN 1 END) AS retries,
    COUNT(CASE WHEN event_type = 'Abort' THEN 1 END) AS aborts
  FROM messaging_events
  GROUP BY channel, message_type, message_id
)
SELECT
  channel,
  message_type,
  message_id,
  message_name,
  sent,
  recipients,
  carrier_sent,
  rejections,
  CAST(rejections AS DOUBLE) / NULLIF(sent, 0) AS rejection_rate,
  CASE WHEN reports_delivery = 1 THEN delivered END AS delivered,
  CASE WHEN reports_delivery = 1 THEN CAST(delivered AS DOUBLE) / NULLIF(sent, 0) END
    AS delivery_rate,
  failures,
  CAST(failures AS DOUBLE) / NULLIF(sent, 0) AS failure_rate,
  engagement_base,
  CASE WHEN reports_read = 1 THEN unique_reads END AS unique_reads,
  CASE WHEN reports_read = 1 THEN CAST(unique_reads AS DOUBLE) / NULLIF(engagement_base, 0) END
    AS unique_read_rate,
  total_clicks,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(engagement_base, 0) AS unique_click_rate,
  bot_clicks,
  inbound_messages,
  unique_replies,
  CAST(unique_replies AS DOUBLE) / NULLIF(engagement_base, 0) AS reply_rate,
  opt_outs,
  CAST(opt_outs AS DOUBLE) / NULLIF(engagement_base, 0) AS opt_out_rate,
  opt_out_events,
  opt_ins,
  retries,
  aborts
FROM counted
