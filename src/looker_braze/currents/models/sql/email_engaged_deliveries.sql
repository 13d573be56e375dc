-- One row per email delivery, with whether an open and a click were attributed to it.
--
-- Attribution: an open or click belongs to the LATEST delivery of the same message to the same
-- address at or before it; one seen before every delivery of its message (a late or missing
-- delivery event) goes to the earliest. "Same message" = same message variation (campaigns)
-- or canvas step (canvases), and same send_id when there is one. Each open and click thus lands
-- on exactly one delivery (two deliveries of one message in the same second share it), which
-- removes the 1-2% overcount the blocks admit: they join opens on address AND (variation OR
-- step), so a variation delivered twice to one address collects the same open twice.
--
-- How: an equi-join of each open/click to the deliveries of its (address, message), then per
-- event the latest delivery time at or before it. Portable (no ASOF join, no IGNORE NULLS) and,
-- as nearly every (address, message) has a single delivery, a hash join instead of a sort.
-- Variation and step ids are distinct UUIDs, so one COALESCEd column identifies the message.
WITH delivery AS (
  SELECT
    ID AS delivery_id,
    EMAIL_ADDRESS AS recipient,
    TIME AS delivered_time,
    COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID) AS message_id,
    COALESCE(SEND_ID, '') AS send_key
  FROM USERS_MESSAGES_EMAIL_DELIVERY
),
engagement_event AS (
  SELECT
    ID AS event_id,
    1 AS kind,
    EMAIL_ADDRESS AS recipient,
    TIME AS event_time,
    COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID) AS message_id,
    COALESCE(SEND_ID, '') AS send_key
  FROM USERS_MESSAGES_EMAIL_OPEN
  UNION ALL
  SELECT
    ID, 2, EMAIL_ADDRESS, TIME, COALESCE(MESSAGE_VARIATION_ID, CANVAS_STEP_ID),
    COALESCE(SEND_ID, '')
  FROM USERS_MESSAGES_EMAIL_CLICK
),
candidate AS (
  SELECT e.event_id, e.kind, e.event_time, d.delivery_id, d.delivered_time
  FROM engagement_event AS e
  JOIN delivery AS d
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
),
engagement AS (
  SELECT
    c.delivery_id,
    MAX(CASE WHEN c.kind = 1 THEN 1 ELSE 0 END) AS opened,
    MAX(CASE WHEN c.kind = 2 THEN 1 ELSE 0 END) AS clicked
  FROM candidate AS c
  JOIN chosen AS h
    ON h.event_id = c.event_id AND h.kind = c.kind AND h.delivered_time = c.delivered_time
  GROUP BY c.delivery_id
)
SELECT
  d.ID AS delivery_id,
  d.EMAIL_ADDRESS AS recipient,
  d.TIME AS delivered_time,
  d.CAMPAIGN_ID AS campaign_id,
  d.CAMPAIGN_NAME AS campaign_name,
  d.MESSAGE_VARIATION_ID AS message_variation_id,
  d.CANVAS_ID AS canvas_id,
  d.CANVAS_NAME AS canvas_name,
  d.CANVAS_STEP_ID AS canvas_step_id,
  COALESCE(e.opened, 0) AS opened,
  COALESCE(e.clicked, 0) AS clicked
FROM USERS_MESSAGES_EMAIL_DELIVERY AS d
LEFT JOIN engagement AS e
  ON e.delivery_id = d.ID
WHERE d.EMAIL_ADDRESS IS NOT NULL
