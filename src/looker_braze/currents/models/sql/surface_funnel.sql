-- An in-product surface's funnel, all selected messages together: the sums of
-- surface_messages (a (user, message) pair belongs to one message, so unique counts add up
-- over messages) and the rates of surface_by_message. One row even when nothing was shown.
WITH total AS (
  SELECT
    CAST(COALESCE(SUM(sends), 0) AS BIGINT) AS sends,
    CAST(COALESCE(SUM(unique_sends), 0) AS BIGINT) AS unique_sends,
    CAST(COALESCE(SUM(impressions), 0) AS BIGINT) AS impressions,
    CAST(COALESCE(SUM(unique_impressions), 0) AS BIGINT) AS unique_impressions,
    CAST(COALESCE(SUM(clicks), 0) AS BIGINT) AS clicks,
    CAST(COALESCE(SUM(unique_clicks), 0) AS BIGINT) AS unique_clicks,
    CAST(COALESCE(SUM(dismissals), 0) AS BIGINT) AS dismissals,
    CAST(COALESCE(SUM(unique_dismissals), 0) AS BIGINT) AS unique_dismissals,
    CAST(COALESCE(SUM(aborts), 0) AS BIGINT) AS aborts
  FROM surface_messages
)
SELECT
  sends,
  unique_sends,
  impressions,
  unique_impressions,
  CAST(unique_impressions AS DOUBLE) / NULLIF(unique_sends, 0) AS impression_rate,
  clicks,
  unique_clicks,
  CAST(unique_clicks AS DOUBLE) / NULLIF(unique_impressions, 0) AS click_rate,
  dismissals,
  unique_dismissals,
  CAST(unique_dismissals AS DOUBLE) / NULLIF(unique_impressions, 0) AS dismiss_rate,
  aborts
FROM total
