-- Webhooks per campaign and canvas: sends, failed attempts (events), failed sends = (user,
-- message) pairs with at least one failed attempt, given up = pairs with a terminal failure
-- (Braze stopped retrying), retries and aborted webhooks (events). A webhook retried after a
-- failure fails again as another Failure event, so failures are not sends: the rates count
-- pairs. Each event is placed by its own time.
WITH scoped AS (
  SELECT
    event_type,
    is_terminal,
    CASE WHEN canvas_id IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(canvas_id, campaign_id) AS message_id,
    COALESCE(canvas_name, campaign_name) AS message_name,
    CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END AS pair
  FROM stg_webhooks
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
)
SELECT
  message_type,
  message_id,
  MAX(message_name) AS message_name,
  COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
  COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN pair END) AS unique_sends,
  COUNT(CASE WHEN event_type = 'Failure' THEN 1 END) AS failures,
  COUNT(DISTINCT CASE WHEN event_type = 'Failure' THEN pair END) AS failed_sends,
  COUNT(DISTINCT CASE WHEN event_type = 'Failure' AND is_terminal THEN pair END) AS given_up,
  COUNT(CASE WHEN event_type = 'Retry' THEN 1 END) AS retries,
  COUNT(CASE WHEN event_type = 'Abort' THEN 1 END) AS aborts
FROM scoped
GROUP BY message_type, message_id
