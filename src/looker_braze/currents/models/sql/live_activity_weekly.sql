-- iOS live activities by local Monday week of each event's own time: sends, outcomes and the
-- success rate of live_activity_summary, counted over the week.
WITH scoped AS (
  SELECT
    event_type,
    activity_id,
    CASE WHEN event_type = 'Outcome' AND LOWER(outcome) = 'success' THEN activity_id END
      AS succeeded,
    CAST(DATE_TRUNC('week', local_date(event_time)) AS DATE) AS period_start
  FROM stg_live_activities
  WHERE event_type IN ('Send', 'Outcome')
    AND event_time >= :start_time AND event_time < :end_time
),
counted AS (
  SELECT
    period_start,
    COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
    COUNT(CASE WHEN event_type = 'Outcome' THEN 1 END) AS outcomes,
    COUNT(DISTINCT CASE WHEN event_type = 'Outcome' THEN activity_id END) AS decided,
    COUNT(DISTINCT succeeded) AS successful_activities
  FROM scoped
  GROUP BY period_start
)
SELECT
  period_start,
  sends,
  outcomes,
  successful_activities,
  CAST(successful_activities AS DOUBLE) / NULLIF(decided, 0) AS success_rate
FROM counted
ORDER BY period_start
