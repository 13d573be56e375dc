-- iOS live activity outcomes by outcome value (empty: Braze sent none): outcome events, the
-- activities they belong to, and each value's share of all outcomes.
WITH counted AS (
  SELECT
    outcome,
    COUNT(*) AS outcomes,
    COUNT(DISTINCT activity_id) AS activities
  FROM stg_live_activities
  WHERE event_type = 'Outcome' AND event_time >= :start_time AND event_time < :end_time
  GROUP BY outcome
)
SELECT
  outcome,
  outcomes,
  activities,
  CAST(outcomes AS DOUBLE) / NULLIF(SUM(outcomes) OVER (), 0) AS outcome_rate
FROM counted
ORDER BY outcomes DESC, outcome
