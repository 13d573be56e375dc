-- Attribution (email and push alike): which delivery each engagement event belongs to.
--
-- Reads `attribution_targets` (the deliveries; for push, the sends) and `attribution_events`
-- (the events to attribute, of kind 1 or 2), each with its recipient, time, message (staging's
-- `message_key`) and send key (send_id, '' when none): email_attribution_* and
-- push_attribution_* (catalog.py binds them).
-- An event belongs to the LATEST delivery of the same message to the same recipient at or
-- before it; one seen before every delivery of its message (a late or missing delivery event)
-- goes to the earliest. Each event thus lands on exactly one delivery (two deliveries of one
-- message in the same second share it), which removes the 1-2% overcount the blocks admit:
-- they join on recipient AND (variation OR step), so a variation delivered twice to one
-- recipient collects the same event twice.
--
-- How: an equi-join of each event to the deliveries of its (recipient, message, send key),
-- then per event the latest delivery time at or before it. Portable (no ASOF join, no IGNORE
-- NULLS) and, as nearly every (recipient, message) has a single delivery, a hash join instead
-- of a sort. One row per delivery that got an event: whether it got a kind 1 and a kind 2.
WITH candidate AS (
  SELECT e.event_id, e.kind, e.event_time, d.delivery_id, d.delivered_time
  FROM attribution_events AS e
  JOIN attribution_targets AS d
    ON d.recipient = e.recipient AND d.message_id = e.message_id AND d.send_key = e.send_key
),
chosen AS (
  SELECT
    event_id,
    kind,
    COALESCE(
      MAX(CASE WHEN delivered_time <= event_time THEN delivered_time END), MIN(delivered_time)
    ) AS delivered_time
  FROM candidate
  GROUP BY event_id, kind
)
SELECT
  c.delivery_id,
  MAX(CASE WHEN c.kind = 1 THEN 1 ELSE 0 END) AS got_kind_1,
  MAX(CASE WHEN c.kind = 2 THEN 1 ELSE 0 END) AS got_kind_2
FROM candidate AS c
JOIN chosen AS h
  ON h.event_id = c.event_id AND h.kind = c.kind AND h.delivered_time = c.delivered_time
GROUP BY c.delivery_id
