-- Push funnel per campaign and canvas: sent -> delivered -> unique opens (all opens beside).
SELECT
  message_type, message_name, message_id, sent, bounces, delivered, opens,
  unique_opens, unique_open_rate, unique_recipients
FROM push_messages
ORDER BY sent DESC, message_type, message_id
