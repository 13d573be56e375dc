-- iOS live activities: sends (updates pushed), activities and users sent to, outcomes, the
-- success rate = activities with a "Success" outcome over activities with any outcome (an
-- activity is the message: one per activity, never above 100%), and the token changes
-- (push-to-start and update tokens registered). One row even when nothing was sent.
SELECT
  COUNT(CASE WHEN event_type = 'Send' THEN 1 END) AS sends,
  COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN activity_id END) AS activities,
  COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN user_id END) AS users,
  COUNT(CASE WHEN event_type = 'Outcome' THEN 1 END) AS outcomes,
  COUNT(DISTINCT CASE WHEN event_type = 'Outcome' AND LOWER(outcome) = 'success'
    THEN activity_id END) AS successful_activities,
  CAST(COUNT(DISTINCT CASE WHEN event_type = 'Outcome' AND LOWER(outcome) = 'success'
    THEN activity_id END) AS DOUBLE)
    / NULLIF(COUNT(DISTINCT CASE WHEN event_type = 'Outcome' THEN activity_id END), 0)
    AS success_rate,
  COUNT(CASE WHEN event_type = 'PushToStartTokenChange' THEN 1 END) AS push_to_start_tokens,
  COUNT(CASE WHEN event_type = 'UpdateTokenChange' THEN 1 END) AS update_token_changes
FROM stg_live_activities
WHERE event_time >= :start_time AND event_time < :end_time
