-- Every channel's messages as one stream of who was reached and who engaged, for the
-- cross-channel overview. One row per event that reaches a user (a message sent; for in-app
-- messages and banners, which Braze shows rather than sends, an impression) or that is a
-- person's engagement with a message: an email open or click (machine opens and suspected bot
-- clicks only with machine_events=include), a push open, an SMS, WhatsApp, RCS or LINE read,
-- click or reply, an in-app message, content card or banner click. Webhooks reach systems, not
-- people's attention: they count as sent and never as engaged.
SELECT 'email' AS channel, user_id, event_time, 'sent' AS kind
FROM stg_email WHERE event_type = 'Send'
UNION ALL
SELECT 'email', user_id, event_time, 'engaged'
FROM stg_email
WHERE event_type IN ('Open', 'Click') AND (NOT is_machine OR :machine_events = 'include')
UNION ALL
SELECT 'push', user_id, event_time, CASE WHEN event_type = 'Send' THEN 'sent' ELSE 'engaged' END
FROM stg_push WHERE event_type IN ('Send', 'Open')
UNION ALL
SELECT
  channel,
  user_id,
  event_time,
  CASE WHEN event_type = 'Send' THEN 'sent' ELSE 'engaged' END
FROM messaging_events
WHERE event_type = 'Send'
  OR event_type = 'Read'
  OR (event_type = 'Click' AND engaged = 1)
  OR is_reply = 1
UNION ALL
SELECT 'in_app', user_id, event_time,
  CASE WHEN event_type = 'Impression' THEN 'sent' ELSE 'engaged' END
FROM stg_in_app WHERE event_type IN ('Impression', 'Click')
UNION ALL
SELECT 'content_card', user_id, event_time,
  CASE WHEN event_type = 'Send' THEN 'sent' ELSE 'engaged' END
FROM stg_content_cards WHERE event_type IN ('Send', 'Click')
UNION ALL
SELECT 'banner', user_id, event_time,
  CASE WHEN event_type = 'Impression' THEN 'sent' ELSE 'engaged' END
FROM stg_banners WHERE event_type IN ('Impression', 'Click')
UNION ALL
SELECT 'webhook', user_id, event_time, 'sent'
FROM stg_webhooks WHERE event_type = 'Send'
