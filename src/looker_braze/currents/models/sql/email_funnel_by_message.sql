-- Email funnel per campaign and canvas: sent -> delivered -> unique opens -> unique clicks.
SELECT
  message_type, message_name, message_id, sent, delivered, delivery_rate, unique_opens,
  unique_open_rate, unique_clicks, unique_click_rate
FROM email_messages
ORDER BY sent DESC, message_type, message_id
