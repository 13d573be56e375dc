-- An in-product surface's funnel per campaign and canvas (surface_messages), with its rates:
-- impression rate = unique impressions over unique sends (content cards), click and dismiss
-- rates = unique clicks or dismissals over unique impressions (users who clicked a message
-- over users who saw it: never above 100%).
SELECT
  message_type,
  message_id,
  message_name,
  sends,
  impressions,
  unique_impressions,
  CAST(unique_impressions AS DOUBLE) / NULLIF(unique_sends, 0) AS impression_rate,
  clicks,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(unique_impressions, 0) AS click_rate,
  dismissals,
  unique_dismissals,
  CAST(unique_dismissals AS DOUBLE) / NULLIF(unique_impressions, 0) AS dismiss_rate,
  aborts
FROM surface_messages
ORDER BY impressions DESC, sends DESC, message_type, message_id
