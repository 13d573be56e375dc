-- One row per push send, with whether it bounced and whether an open was attributed to it.
-- Push has no delivery event: a bounce and an open are both tied to the LATEST send of the
-- same message to the same user at or before them (the method of email_engaged_deliveries, user
-- instead of address).
WITH send AS (
  SELECT
    event_id AS delivery_id,
    user_id AS recipient,
    event_time AS delivered_time,
    message_key AS message_id,
    COALESCE(send_id, '') AS send_key
  FROM stg_push
  WHERE event_type = 'Send'
),
outcome_event AS (
  SELECT
    event_id,
    CASE WHEN event_type = 'Bounce' THEN 1 ELSE 2 END AS kind,
    user_id AS recipient,
    event_time,
    message_key AS message_id,
    COALESCE(send_id, '') AS send_key
  FROM stg_push
  WHERE event_type IN ('Bounce', 'Open')
),
candidate AS (
  SELECT e.event_id, e.kind, e.event_time, s.delivery_id, s.delivered_time
  FROM outcome_event AS e
  JOIN send AS s
    ON s.recipient = e.recipient AND s.message_id = e.message_id AND s.send_key = e.send_key
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
),
outcome AS (
  SELECT
    c.delivery_id,
    MAX(CASE WHEN c.kind = 1 THEN 1 ELSE 0 END) AS bounced,
    MAX(CASE WHEN c.kind = 2 THEN 1 ELSE 0 END) AS opened
  FROM candidate AS c
  JOIN chosen AS h
    ON h.event_id = c.event_id AND h.kind = c.kind AND h.delivered_time = c.delivered_time
  GROUP BY c.delivery_id
)
SELECT
  s.event_id AS delivery_id,
  s.user_id AS recipient,
  s.event_time AS delivered_time,
  s.campaign_id,
  s.campaign_name,
  s.message_variation_id,
  s.canvas_id,
  s.canvas_name,
  s.canvas_step_id,
  s.platform,
  COALESCE(o.bounced, 0) AS bounced,
  COALESCE(o.opened, 0) AS opened
FROM stg_push AS s
LEFT JOIN outcome AS o
  ON o.delivery_id = s.event_id
WHERE s.event_type = 'Send' AND s.user_id IS NOT NULL
