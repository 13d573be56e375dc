-- SMS, WhatsApp, RCS and LINE per channel and local Monday week (in the `timezone`
-- parameter), each event in the week of its own time: measures and rates as in
-- messaging_messages. A week's unique counts and opt-outs are counted over the week.
WITH scoped AS (
  SELECT
    channel,
    reports_delivery,
    reports_read,
    event_type,
    user_id,
    pair,
    engaged,
    is_machine,
    is_base,
    is_reply,
    is_opt_out,
    CAST(DATE_TRUNC('week', CAST(local_date(event_time) AS DATE)) AS DATE) AS week_start
  FROM messaging_events
),
counted AS (
  SELECT
    channel,
    week_start,
    MAX(CASE WHEN reports_delivery THEN 1 ELSE 0 END) AS reports_delivery,
    MAX(CASE WHEN reports_read THEN 1 ELSE 0 END) AS reports_read,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sent,
    COUNT(CASE WHEN event_type = 'Rejection' THEN 1 END) AS rejections,
    COUNT(CASE WHEN event_type = 'Delivery' THEN 1 END) AS delivered,
    COUNT(CASE WHEN event_type = 'Failure' THEN 1 END) AS failures,
    COUNT(CASE WHEN is_base = 1 THEN 1 END) AS engagement_base,
    COUNT(DISTINCT CASE WHEN event_type = 'Read' THEN pair END) AS unique_reads,
    COUNT(DISTINCT CASE WHEN event_type = 'Click' AND engaged = 1 THEN pair END)
      AS unique_clicks,
    COUNT(CASE WHEN event_type = 'Click' AND is_machine THEN 1 END) AS bot_clicks,
    COUNT(DISTINCT CASE WHEN is_reply = 1 THEN pair END) AS unique_replies,
    COUNT(DISTINCT CASE WHEN is_opt_out = 1 THEN user_id END) AS opt_outs
  FROM scoped
  GROUP BY channel, week_start
)
SELECT
  channel,
  week_start,
  sent,
  CASE WHEN reports_delivery = 1 THEN delivered END AS delivered,
  CASE WHEN reports_delivery = 1 THEN CAST(delivered AS DOUBLE) / NULLIF(sent, 0) END
    AS delivery_rate,
  rejections,
  failures,
  CASE WHEN reports_read = 1 THEN unique_reads END AS unique_reads,
  CASE WHEN reports_read = 1 THEN CAST(unique_reads AS DOUBLE) / NULLIF(engagement_base, 0) END
    AS unique_read_rate,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(engagement_base, 0) AS unique_click_rate,
  bot_clicks,
  unique_replies,
  CAST(unique_replies AS DOUBLE) / NULLIF(engagement_base, 0) AS reply_rate,
  opt_outs,
  CAST(opt_outs AS DOUBLE) / NULLIF(engagement_base, 0) AS opt_out_rate
FROM counted
ORDER BY channel, week_start
