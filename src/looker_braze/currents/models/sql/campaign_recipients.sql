-- Users a campaign reached in the selected time: one row per (campaign, user) sent an email, a
-- push, an SMS, WhatsApp, RCS or LINE message or a content card of it, or shown one of its in-app
-- messages (each channel's staging model). A campaign's treatment group for its conversions
-- (campaign_audience).
WITH reached AS (
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_email
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_push
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_sms
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_whatsapp
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_rcs
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_line
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_content_cards
  WHERE event_type = 'Send'
  UNION ALL
  SELECT campaign_id, campaign_name, user_id, event_time
  FROM stg_in_app
  WHERE event_type = 'Impression'
)
SELECT campaign_id, MAX(campaign_name) AS campaign_name, user_id
FROM reached
WHERE event_time >= :start_time AND event_time < :end_time
  AND param_match(campaign_name, :campaign_name)
  AND campaign_id IS NOT NULL AND user_id IS NOT NULL
GROUP BY campaign_id, user_id
