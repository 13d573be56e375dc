-- Webhooks by local Monday week of each event's own time: the counts and rates of
-- webhook_by_message, unique counts counted over the week.
WITH scoped AS (
  SELECT
    event_type,
    is_terminal,
    CAST(DATE_TRUNC('week', local_date(event_time)) AS DATE) AS period_start,
    CASE WHEN user_id IS NOT NULL THEN message_key || '|' || user_id END AS pair
  FROM stg_webhooks
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name) AND param_match(canvas_name, :canvas_name)
),
counted AS (
  SELECT
    period_start,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
    COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN pair END) AS unique_sends,
    COUNT(CASE WHEN event_type = 'Failure' THEN 1 END) AS failures,
    COUNT(DISTINCT CASE WHEN event_type = 'Failure' THEN pair END) AS failed_sends,
    COUNT(DISTINCT CASE WHEN event_type = 'Failure' AND is_terminal THEN pair END) AS given_up,
    COUNT(CASE WHEN event_type = 'Retry' THEN 1 END) AS retries,
    COUNT(CASE WHEN event_type = 'Abort' THEN 1 END) AS aborts
  FROM scoped
  GROUP BY period_start
)
SELECT
  period_start,
  sends,
  failures,
  failed_sends,
  CAST(failed_sends AS DOUBLE) / NULLIF(unique_sends, 0) AS failure_rate,
  given_up,
  CAST(given_up AS DOUBLE) / NULLIF(unique_sends, 0) AS give_up_rate,
  retries,
  aborts
FROM counted
ORDER BY period_start
