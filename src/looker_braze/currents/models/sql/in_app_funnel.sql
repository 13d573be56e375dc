-- In-app messages and content cards, all selected messages together: impressions and clicks
-- (events), and the click rate as Braze counts it: users who clicked a message over users who
-- saw it, one (user, message) per event (so never above 100%); in-app messages also count
-- aborted messages, content cards sends and dismissals. The per-message counts of each
-- (surface_messages over stg_in_app and stg_content_cards) summed: a (user, message) pair
-- belongs to one message. One row even when nothing was shown.
WITH in_app AS (
  SELECT
    CAST(COALESCE(SUM(impressions), 0) AS BIGINT) AS impressions,
    CAST(COALESCE(SUM(clicks), 0) AS BIGINT) AS clicks,
    CAST(COALESCE(SUM(unique_impressions), 0) AS BIGINT) AS viewers,
    CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) AS clickers,
    CAST(COALESCE(SUM(aborts), 0) AS BIGINT) AS aborts
  FROM in_app_messages
),
cards AS (
  SELECT
    CAST(COALESCE(SUM(sends), 0) AS BIGINT) AS sends,
    CAST(COALESCE(SUM(impressions), 0) AS BIGINT) AS impressions,
    CAST(COALESCE(SUM(clicks), 0) AS BIGINT) AS clicks,
    CAST(COALESCE(SUM(dismissals), 0) AS BIGINT) AS dismissals,
    CAST(COALESCE(SUM(unique_impressions), 0) AS BIGINT) AS viewers,
    CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) AS clickers
  FROM content_card_messages
)
SELECT
  in_app.impressions AS in_app_impressions,
  in_app.clicks AS in_app_clicks,
  in_app.viewers AS in_app_viewers,
  in_app.clickers AS in_app_clickers,
  CAST(in_app.clickers AS DOUBLE) / NULLIF(in_app.viewers, 0) AS in_app_click_rate,
  in_app.aborts AS in_app_aborts,
  cards.sends AS card_sends,
  cards.impressions AS card_impressions,
  cards.clicks AS card_clicks,
  cards.dismissals AS card_dismissals,
  CAST(cards.clickers AS DOUBLE) / NULLIF(cards.viewers, 0) AS card_click_rate
FROM in_app
CROSS JOIN cards
