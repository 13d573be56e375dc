-- The sending IPs that delivered the most email (parameter `limit`, 10 by default).
SELECT sending_ip, deliveries, bounces, soft_bounces, bounce_rate
FROM sending_ips
ORDER BY deliveries DESC, sending_ip
LIMIT :limit
