-- The push campaigns and canvases with the lowest unique open rate (parameter `limit`, 10 by
-- default); messages with nothing delivered have no rate and are left out.
SELECT message_type, message_name, message_id, delivered, unique_opens, unique_open_rate
FROM push_messages
WHERE unique_open_rate IS NOT NULL
ORDER BY unique_open_rate ASC, delivered DESC, message_id
LIMIT :limit
