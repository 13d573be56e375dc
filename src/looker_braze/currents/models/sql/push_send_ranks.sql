-- Push cadence over sends (the block's push cadence view counts sends, bounces and bounced
-- recipients): every send, bounced or not, with its rank among the sends its user got
-- (1 = first). Ranks cover all messages, so a campaign's sends keep their place in the user's
-- whole history.
SELECT
  delivery_id AS send_id,
  recipient,
  delivered_time AS sent_time,
  campaign_name,
  canvas_name,
  message_variation_id,
  canvas_step_id,
  platform,
  bounced,
  ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY delivered_time, delivery_id) AS send_rank
FROM push_sends
