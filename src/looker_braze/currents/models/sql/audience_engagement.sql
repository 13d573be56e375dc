-- How each Looker audience responded: per audience and week since joining (negative weeks:
-- before the member joined), the members' deliveries on every channel and the share they
-- engaged with, beside the same share for users never in the audience over the same calendar
-- weeks (weighted as the members' deliveries fall), and the difference (lift).
-- A member counts from the time Braze accepted the label (joined_time) until it came off
-- (left_time); deliveries after leaving are not the audience's. Weeks are 7-day spans since
-- joining, so members who joined on different days are compared at the same age.
WITH member_delivery AS (
  SELECT
    m.workspace,
    m.array_attribute,
    m.audience,
    m.identifier_kind,
    m.spell_id,
    CAST(FLOOR((d.delivered_time - m.joined_time) / 604800.0) AS BIGINT) AS week_since_joining,
    CAST(FLOOR(d.delivered_time / 604800.0) AS BIGINT) AS epoch_week,
    d.engaged
  FROM audience_members AS m
  JOIN audience_deliveries AS d
    ON d.user_id = m.user_id
  WHERE m.left_time IS NULL OR d.delivered_time < m.left_time
),
audience AS (
  SELECT DISTINCT workspace, array_attribute, audience FROM audience_members
),
ever_member AS (
  SELECT DISTINCT workspace, array_attribute, audience, user_id FROM audience_members
),
outsider_week AS (
  SELECT
    a.workspace,
    a.array_attribute,
    a.audience,
    CAST(FLOOR(d.delivered_time / 604800.0) AS BIGINT) AS epoch_week,
    SUM(d.engaged) * 1.0 / COUNT(*) AS engagement_rate
  FROM audience AS a
  CROSS JOIN audience_deliveries AS d
  LEFT JOIN ever_member AS e
    ON e.workspace = a.workspace
    AND e.array_attribute = a.array_attribute
    AND e.audience = a.audience
    AND e.user_id = d.user_id
  WHERE e.user_id IS NULL
  GROUP BY a.workspace, a.array_attribute, a.audience, epoch_week
),
per_week AS (
  SELECT
    md.workspace,
    md.array_attribute,
    md.audience,
    md.identifier_kind,
    md.week_since_joining,
    COUNT(DISTINCT md.spell_id) AS members_reached,
    COUNT(*) AS deliveries,
    SUM(md.engaged) AS engaged_deliveries,
    SUM(o.engagement_rate) AS outsider_engaged,
    COUNT(o.engagement_rate) AS outsider_matched
  FROM member_delivery AS md
  LEFT JOIN outsider_week AS o
    ON o.workspace = md.workspace
    AND o.array_attribute = md.array_attribute
    AND o.audience = md.audience
    AND o.epoch_week = md.epoch_week
  GROUP BY md.workspace, md.array_attribute, md.audience, md.identifier_kind,
    md.week_since_joining
)
SELECT
  audience,
  array_attribute,
  workspace,
  identifier_kind,
  week_since_joining,
  members_reached,
  deliveries,
  engaged_deliveries,
  engaged_deliveries * 1.0 / deliveries AS engagement_rate,
  -- Nine decimals: a sum of rates depends on the order it is added in (engines and dbt differ
  -- in the last bits), and the data cannot tell anything that fine anyway.
  CASE WHEN outsider_matched > 0 THEN CAST(outsider_engaged / outsider_matched AS DECIMAL(28, 9)) END
    AS outsider_engagement_rate,
  CASE
    WHEN outsider_matched > 0
      THEN CAST(
        engaged_deliveries * 1.0 / deliveries - outsider_engaged / outsider_matched
        AS DECIMAL(28, 9)
      )
  END AS lift
FROM per_week
ORDER BY audience, array_attribute, workspace, week_since_joining
