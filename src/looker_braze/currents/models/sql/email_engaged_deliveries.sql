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
-- The message is stg_email's `message_key`. Machine opens and suspected bot clicks are not
-- engagement unless parameter machine_events=include is set (as in Braze's dashboards).
WITH delivery AS (
  SELECT
    event_id AS delivery_id,
    email_address AS recipient,
    event_time AS delivered_time,
    message_key AS message_id,
    COALESCE(send_id, '') AS send_key
  FROM stg_email
  WHERE event_type = 'Delivery'
),
engagement_event AS (
  SELECT
    event_id,
    CASE WHEN event_type = 'Open' THEN 1 ELSE 2 END AS kind,
    email_address AS recipient,
    event_time,
    message_key AS message_id,
    COALESCE(send_id, '') AS send_key
  FROM stg_email
  WHERE event_type IN ('Open', 'Click') AND (NOT is_machine OR :machine_events = 'include')
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
  d.event_id AS delivery_id,
  d.email_address AS recipient,
  d.event_time AS delivered_time,
  d.campaign_id,
  d.campaign_name,
  d.message_variation_id,
  d.canvas_id,
  d.canvas_name,
  d.canvas_step_id,
  CAST(NULL AS VARCHAR) AS platform,
  COALESCE(e.opened, 0) AS opened,
  COALESCE(e.clicked, 0) AS clicked
FROM stg_email AS d
LEFT JOIN engagement AS e
  ON e.delivery_id = d.event_id
WHERE d.event_type = 'Delivery' AND d.email_address IS NOT NULL
