-- In-product surfaces (in-app messages, content cards, banners: `surface_events` is one of
-- their staging models), per campaign and canvas: events of each kind, and unique counts as
-- Braze counts them, one (user, message) per event (`message_key`: the canvas step for
-- canvases, the variation for campaigns). A kind a surface does not have counts 0 (in-app
-- messages and banners are not sent, in-app messages are not dismissed). Each event is placed
-- by its own time. Rates are in surface_funnel, surface_by_message and surface_weekly.
WITH scoped AS (
  SELECT
    event_type,
    CASE WHEN canvas_id IS NOT NULL THEN 'canvas' ELSE 'campaign' END AS message_type,
    COALESCE(canvas_id, campaign_id) AS message_id,
    COALESCE(canvas_name, campaign_name) AS message_name,
    CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END AS pair
  FROM surface_events
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
)
SELECT
  message_type,
  message_id,
  MAX(message_name) AS message_name,
  COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
  COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN pair END) AS unique_sends,
  COUNT(CASE WHEN event_type = 'Impression' THEN 1 END) AS impressions,
  COUNT(DISTINCT CASE WHEN event_type = 'Impression' THEN pair END) AS unique_impressions,
  COUNT(CASE WHEN event_type = 'Click' THEN 1 END) AS clicks,
  COUNT(DISTINCT CASE WHEN event_type = 'Click' THEN pair END) AS unique_clicks,
  COUNT(CASE WHEN event_type = 'Dismiss' THEN 1 END) AS dismissals,
  COUNT(DISTINCT CASE WHEN event_type = 'Dismiss' THEN pair END) AS unique_dismissals,
  COUNT(CASE WHEN event_type = 'Abort' THEN 1 END) AS aborts
FROM scoped
GROUP BY message_type, message_id
