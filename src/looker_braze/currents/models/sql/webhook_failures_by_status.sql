-- Failed webhook attempts by HTTP status (empty status: no response, e.g. a timeout): failed
-- attempts, failed sends ((user, message) pairs) and how many of those Braze gave up on.
SELECT
  http_status_code,
  COUNT(*) AS failures,
  COUNT(DISTINCT CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END)
    AS failed_sends,
  COUNT(DISTINCT CASE WHEN is_terminal AND user_id IS NOT NULL
    THEN message_key || '|' || user_id END) AS given_up
FROM stg_webhooks
WHERE event_type = 'Failure'
  AND event_time >= :start_time AND event_time < :end_time
  AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
GROUP BY http_status_code
ORDER BY failures DESC, http_status_code
