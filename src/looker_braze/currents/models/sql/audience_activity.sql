-- Every user's events the audience figures count (audience_engagement), one row per event,
-- `kind` saying what it tells about the user:
-- 'reached': a message sent to them on any channel, or shown (in-app messages and banners),
--   as channel_activity counts "sent" (webhooks included: Braze sent them on the user's behalf);
-- 'delivered': the message got to them. Per channel, the rule its own models use:
--   email, a Delivery event; push (no delivery event), a send that did not bounce
--   (audience_deliveries, from push_sends); SMS, WhatsApp and RCS, a Delivery; LINE (no
--   delivery event), a send (messaging_events.is_base); in-app messages and banners, an
--   impression (they are shown, not sent); content cards, a send (the card is in the user's
--   feed); webhooks never (they reach a system, not the person);
-- 'engaged': a person's engagement as channel_activity counts it (machine opens and suspected
--   bot clicks only with machine_events=include);
-- 'converted': a campaign conversion (stg_conversions) or a Canvas conversion (stg_canvas);
-- 'unsubscribed': a global (email, push) or subscription-group change to unsubscribed.
-- Events outside the range of the start and end parameters are left out, so the figures (and
-- the weeks audience_engagement counts as covered) follow the range.
WITH events AS (
  SELECT user_id, event_time, CASE WHEN kind = 'sent' THEN 'reached' ELSE kind END AS kind
  FROM channel_activity
  UNION ALL
  SELECT user_id, delivered_time, 'delivered' FROM audience_deliveries
  UNION ALL
  SELECT user_id, event_time, 'delivered' FROM messaging_events WHERE is_base = 1
  UNION ALL
  SELECT user_id, event_time, 'delivered'
  FROM channel_activity
  WHERE kind = 'sent' AND channel IN ('in_app', 'content_card', 'banner')
  UNION ALL
  SELECT user_id, event_time, 'converted' FROM stg_conversions WHERE event_type = 'Conversion'
  UNION ALL
  SELECT user_id, event_time, 'converted' FROM stg_canvas WHERE event_type = 'Conversion'
  UNION ALL
  SELECT user_id, event_time, 'unsubscribed' FROM stg_subscriptions WHERE status = 'unsubscribed'
)
SELECT user_id, event_time, kind
FROM events
WHERE user_id IS NOT NULL AND event_time >= :start_time AND event_time < :end_time
