-- The SMS, WhatsApp, RCS and LINE funnels, one row per channel (parameter `channel`: one),
-- even when it has no events: measures as in messaging_messages, summed over the selected
-- messages (exact: a (user, message) pair belongs to one message). Distinct users (recipients,
-- opt-outs, opt-ins) cannot be summed, since one user gets several messages: they are counted
-- again over all the selected events.
WITH total AS (
  SELECT
    channel,
    SUM(sent) AS sent,
    SUM(carrier_sent) AS carrier_sent,
    SUM(rejections) AS rejections,
    SUM(delivered) AS delivered,
    SUM(failures) AS failures,
    SUM(engagement_base) AS engagement_base,
    SUM(unique_reads) AS unique_reads,
    SUM(total_clicks) AS total_clicks,
    SUM(unique_clicks) AS unique_clicks,
    SUM(bot_clicks) AS bot_clicks,
    SUM(inbound_messages) AS inbound_messages,
    SUM(unique_replies) AS unique_replies,
    SUM(opt_out_events) AS opt_out_events,
    SUM(retries) AS retries,
    SUM(aborts) AS aborts
  FROM messaging_messages
  GROUP BY channel
),
people AS (
  SELECT
    channel,
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN user_id END) AS recipients,
    COUNT(DISTINCT CASE WHEN is_opt_out = 1 THEN user_id END) AS opt_outs,
    COUNT(DISTINCT CASE WHEN is_opt_in = 1 THEN user_id END) AS opt_ins
  FROM messaging_events
  GROUP BY channel
),
filled AS (
  SELECT
    messaging_channels.channel_order,
    messaging_channels.channel,
    messaging_channels.reports_delivery,
    messaging_channels.reports_read,
    CAST(COALESCE(total.sent, 0) AS BIGINT) AS sent,
    CAST(COALESCE(people.recipients, 0) AS BIGINT) AS recipients,
    CAST(COALESCE(total.carrier_sent, 0) AS BIGINT) AS carrier_sent,
    CAST(COALESCE(total.rejections, 0) AS BIGINT) AS rejections,
    CAST(COALESCE(total.delivered, 0) AS BIGINT) AS delivered,
    CAST(COALESCE(total.failures, 0) AS BIGINT) AS failures,
    CAST(COALESCE(total.engagement_base, 0) AS BIGINT) AS engagement_base,
    CAST(COALESCE(total.unique_reads, 0) AS BIGINT) AS unique_reads,
    CAST(COALESCE(total.total_clicks, 0) AS BIGINT) AS total_clicks,
    CAST(COALESCE(total.unique_clicks, 0) AS BIGINT) AS unique_clicks,
    CAST(COALESCE(total.bot_clicks, 0) AS BIGINT) AS bot_clicks,
    CAST(COALESCE(total.inbound_messages, 0) AS BIGINT) AS inbound_messages,
    CAST(COALESCE(total.unique_replies, 0) AS BIGINT) AS unique_replies,
    CAST(COALESCE(people.opt_outs, 0) AS BIGINT) AS opt_outs,
    CAST(COALESCE(total.opt_out_events, 0) AS BIGINT) AS opt_out_events,
    CAST(COALESCE(people.opt_ins, 0) AS BIGINT) AS opt_ins,
    CAST(COALESCE(total.retries, 0) AS BIGINT) AS retries,
    CAST(COALESCE(total.aborts, 0) AS BIGINT) AS aborts
  FROM messaging_channels
  LEFT JOIN total ON total.channel = messaging_channels.channel
  LEFT JOIN people ON people.channel = messaging_channels.channel
)
SELECT
  channel,
  sent,
  recipients,
  carrier_sent,
  rejections,
  CAST(rejections AS DOUBLE) / NULLIF(sent, 0) AS rejection_rate,
  CASE WHEN reports_delivery THEN delivered END AS delivered,
  CASE WHEN reports_delivery THEN CAST(delivered AS DOUBLE) / NULLIF(sent, 0) END
    AS delivery_rate,
  failures,
  CAST(failures AS DOUBLE) / NULLIF(sent, 0) AS failure_rate,
  engagement_base,
  CASE WHEN reports_read THEN unique_reads END AS unique_reads,
  CASE WHEN reports_read THEN CAST(unique_reads AS DOUBLE) / NULLIF(engagement_base, 0) END
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
FROM filled
ORDER BY channel_order
