-- One row per delivered push (a send without a bounce), with whether an open was attributed to
-- it. Push has no delivery event: a bounce and an open are both tied to the LATEST send of the
-- same message to the same user at or before them (the method of email_engaged_deliveries, user
-- instead of address), and sends with a bounce are dropped. Push has no clicks: `clicked` is
-- NULL so click rates come out NULL rather than a misleading 0.
WITH send AS (
  SELECT
    ID AS delivery_id,
    USER_ID AS recipient,
    TIME AS delivered_time,
    COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID) AS message_id,
    COALESCE(SEND_ID, '') AS send_key
  FROM USERS_MESSAGES_PUSHNOTIFICATION_SEND
),
outcome_event AS (
  SELECT
    ID AS event_id,
    1 AS kind,
    USER_ID AS recipient,
    TIME AS event_time,
    COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID) AS message_id,
    COALESCE(SEND_ID, '') AS send_key
  FROM USERS_MESSAGES_PUSHNOTIFICATION_BOUNCE
  UNION ALL
  SELECT
    ID, 2, USER_ID, TIME, COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID), COALESCE(SEND_ID, '')
  FROM USERS_MESSAGES_PUSHNOTIFICATION_OPEN
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
  s.ID AS delivery_id,
  s.USER_ID AS recipient,
  s.TIME AS delivered_time,
  s.CAMPAIGN_ID AS campaign_id,
  s.CAMPAIGN_NAME AS campaign_name,
  s.MESSAGE_VARIATION_ID AS message_variation_id,
  s.CANVAS_ID AS canvas_id,
  s.CANVAS_NAME AS canvas_name,
  s.CANVAS_STEP_ID AS canvas_step_id,
  COALESCE(o.opened, 0) AS opened,
  CAST(NULL AS BIGINT) AS clicked
FROM USERS_MESSAGES_PUSHNOTIFICATION_SEND AS s
LEFT JOIN outcome AS o
  ON o.delivery_id = s.ID
WHERE s.USER_ID IS NOT NULL AND COALESCE(o.bounced, 0) = 0
