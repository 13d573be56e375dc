-- App sessions, as the retention block's views count them: distinct session ids of first
-- sessions, session starts and session ends, distinct users, and the average session length
-- (seconds, from session ends). Each event is placed by its own time. One row even when empty.
WITH starts AS (
  SELECT
    COUNT(DISTINCT CASE WHEN event_type = 'FirstSession' THEN session_id END) AS first_sessions,
    COUNT(DISTINCT CASE WHEN event_type = 'SessionStart' THEN session_id END) AS sessions,
    COUNT(DISTINCT CASE WHEN event_type = 'SessionStart' THEN user_id END) AS users
  FROM stg_sessions
  WHERE event_time >= :start_time AND event_time < :end_time AND param_match(app_id, :app_id)
),
ends AS (
  SELECT
    COUNT(DISTINCT session_id) AS ended_sessions,
    AVG(duration) AS average_duration
  FROM stg_session_ends
  WHERE event_time >= :start_time AND event_time < :end_time AND param_match(app_id, :app_id)
)
SELECT
  starts.first_sessions,
  starts.sessions,
  starts.users,
  ends.ended_sessions,
  ends.average_duration
FROM starts
CROSS JOIN ends
