-- The push campaigns and canvases with the highest open rate (parameter `limit`, 10 by
-- default); messages with nothing delivered have no rate and are left out.
SELECT message_type, message_name, message_id, delivered, opens, open_rate
FROM push_messages
WHERE open_rate IS NOT NULL
ORDER BY open_rate DESC, delivered DESC, message_id
LIMIT :limit
