-- The email campaigns and canvases with the highest unique click rate (parameter `limit`, 10 by
-- default); messages with no delivery have no rate and are left out.
SELECT message_type, message_name, message_id, delivered, unique_clicks, unique_click_rate
FROM email_messages
WHERE unique_click_rate IS NOT NULL
ORDER BY unique_click_rate DESC, delivered DESC, message_id
LIMIT :limit
