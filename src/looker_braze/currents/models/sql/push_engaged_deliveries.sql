-- One row per delivered push (a send without a bounce, see push_sends), with whether an open
-- was attributed to it. Push has no clicks: `clicked` is NULL so click rates come out NULL
-- rather than a misleading 0.
SELECT
  delivery_id,
  recipient,
  delivered_time,
  campaign_id,
  campaign_name,
  message_variation_id,
  canvas_id,
  canvas_name,
  canvas_step_id,
  platform,
  opened,
  CAST(NULL AS BIGINT) AS clicked
FROM push_sends
WHERE bounced = 0
