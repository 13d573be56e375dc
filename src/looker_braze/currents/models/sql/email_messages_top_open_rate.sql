-- The email campaigns and canvases with the highest unique open rate (parameter `limit`, 10 by
-- default); messages with no delivery have no rate and are left out.
SELECT message_type, message_name, message_id, delivered, unique_opens, unique_open_rate
FROM email_messages
WHERE unique_open_rate IS NOT NULL
ORDER BY unique_open_rate DESC, delivered DESC, message_id
LIMIT :limit
