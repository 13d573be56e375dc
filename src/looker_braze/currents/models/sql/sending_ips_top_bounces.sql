-- The sending IPs with the most hard bounces (parameter `limit`, 10 by default).
SELECT sending_ip, bounces, deliveries, soft_bounces, bounce_rate
FROM sending_ips
WHERE bounces > 0
ORDER BY bounces DESC, sending_ip
LIMIT :limit
