-- In-app messages and content cards, all selected messages together: impressions and clicks
-- (events), and the click rate as Braze counts it: users who clicked a message over users who
-- saw it, one (user, message) per event (so never above 100%); content cards also count sends
-- and dismissals. One row even when nothing was shown.
WITH scoped AS (
  SELECT
    channel,
    event_type,
    CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END AS pair
  FROM stg_in_app
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    COUNT(CASE WHEN channel = 'inappmessage' AND event_type = 'Impression' THEN 1 END)
      AS in_app_impressions,
    COUNT(CASE WHEN channel = 'inappmessage' AND event_type = 'Click' THEN 1 END)
      AS in_app_clicks,
    COUNT(DISTINCT CASE WHEN channel = 'inappmessage' AND event_type = 'Impression' THEN pair END)
      AS in_app_viewers,
    COUNT(DISTINCT CASE WHEN channel = 'inappmessage' AND event_type = 'Click' THEN pair END)
      AS in_app_clickers,
    COUNT(CASE WHEN channel = 'contentcard' AND event_type = 'Send' THEN 1 END) AS card_sends,
    COUNT(CASE WHEN channel = 'contentcard' AND event_type = 'Impression' THEN 1 END)
      AS card_impressions,
    COUNT(CASE WHEN channel = 'contentcard' AND event_type = 'Click' THEN 1 END) AS card_clicks,
    COUNT(CASE WHEN channel = 'contentcard' AND event_type = 'Dismiss' THEN 1 END)
      AS card_dismissals,
    COUNT(DISTINCT CASE WHEN channel = 'contentcard' AND event_type = 'Impression' THEN pair END)
      AS card_viewers,
    COUNT(DISTINCT CASE WHEN channel = 'contentcard' AND event_type = 'Click' THEN pair END)
      AS card_clickers
  FROM scoped
)
SELECT
  in_app_impressions,
  in_app_clicks,
  in_app_viewers,
  in_app_clickers,
  CAST(in_app_clickers AS DOUBLE) / NULLIF(in_app_viewers, 0) AS in_app_click_rate,
  card_sends,
  card_impressions,
  card_clicks,
  card_dismissals,
  CAST(card_clickers AS DOUBLE) / NULLIF(card_viewers, 0) AS card_click_rate
FROM counted
