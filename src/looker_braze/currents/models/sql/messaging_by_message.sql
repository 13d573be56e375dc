-- SMS, WhatsApp, RCS and LINE per campaign and canvas (measures as in messaging_messages),
-- most sent first within each channel.
SELECT
  channel, message_type, message_name, message_id, sent, carrier_sent, delivered, delivery_rate,
  rejections, failures, unique_reads, unique_read_rate, total_clicks, unique_clicks,
  unique_click_rate, bot_clicks, inbound_messages, unique_replies, reply_rate, opt_outs,
  opt_out_rate, retries, aborts
FROM messaging_messages
ORDER BY channel, sent DESC, message_type, message_id
