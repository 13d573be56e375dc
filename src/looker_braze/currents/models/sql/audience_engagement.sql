-- How each Looker audience responded: per audience and week since joining (negative weeks:
-- before the member joined, the members' own baseline), beside users never in the audience
-- (outsiders) over the same calendar weeks.
-- A member counts from the time Braze accepted the label (joined_time) until it came off
-- (left_time); events after leaving are not the audience's. Weeks are 7-day spans since
-- joining, so members who joined on different days are compared at the same age.
--
-- Members, week by week (every channel, audience_activity says what each event counts as):
-- `members`: spells in that week (still in the audience when the week began; every spell in a
--   week before joining), counted only where the loaded Currents cover the whole week: from
--   the (UTC) midnight before the first message sent to the last message sent (responses
--   trail the sends by hours or days, so the last event says less about where the data
--   ends). A week the data covers in part would look quiet, a week beyond the data empty.
--   `members_reached`: of them, reached by any message on any channel;
--   `members_delivered`, `members_engaged`: of those reached, with a delivery, with a person's
--   engagement, that week; `members_converted`, `members_unsubscribed`: of the members, with a
--   campaign or Canvas conversion, with an unsubscribe (global or subscription group).
--   Rates are named after their base: reached_of_members, delivered_of_reached,
--   engaged_of_reached, converted_of_members, unsubscribed_of_members (none can pass 100%).
-- Outsiders: the same rates per calendar week (7-day spans from the epoch) the data covers
--   whole, for every known user never in the audience (currents_users); each member-week is
--   compared with the calendar weeks it overlaps, weighted by the overlap, and the week's
--   outsider rate is the mean over its member-weeks (over its reached member-weeks for rates
--   of reached), or NULL when one of them falls in a calendar week the data does not cover.
--
-- Deliveries (email and push, whose models attribute an open or click to each delivery):
-- `deliveries`, `engaged_deliveries` and `engagement_rate` of the members in every week with
-- deliveries (covered whole or not), and outsiders' rate over the same calendar weeks weighted
-- as the members' deliveries fall; `lift`: the difference.
WITH span AS (
  SELECT
    CAST(FLOOR(MIN(event_time) / 86400.0) AS BIGINT) * 86400 AS first_time,
    MAX(event_time) AS last_time
  FROM audience_activity
  WHERE kind = 'reached'
),
spell AS (
  SELECT DISTINCT
    workspace, array_attribute, audience, identifier_kind, spell_id, joined_time, left_time
  FROM audience_members
),
spell_weeks AS (
  SELECT
    s.*,
    CAST(CEIL((span.first_time - s.joined_time) / 604800.0) AS BIGINT) AS first_week,
    CASE
      WHEN s.left_time IS NULL
        THEN CAST(FLOOR((span.last_time - s.joined_time) / 604800.0) AS BIGINT) - 1
      ELSE LEAST(
        CAST(FLOOR((span.last_time - s.joined_time) / 604800.0) AS BIGINT) - 1,
        CAST(CEIL((s.left_time - s.joined_time) / 604800.0) AS BIGINT) - 1
      )
    END AS last_week
  FROM spell AS s
  CROSS JOIN span
),
digit AS (
  SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
),
week_offset AS (  -- 0 .. 9,999 weeks: more than any Currents history
  SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n
  FROM digit AS a CROSS JOIN digit AS b CROSS JOIN digit AS c CROSS JOIN digit AS e
),
spell_week AS (
  SELECT
    s.workspace, s.array_attribute, s.audience, s.identifier_kind, s.spell_id,
    s.first_week + o.n AS week_since_joining,
    s.joined_time + (s.first_week + o.n) * 604800 AS week_start
  FROM spell_weeks AS s
  JOIN week_offset AS o
    ON o.n <= s.last_week - s.first_week
),
member_flags AS (
  SELECT
    m.spell_id,
    CAST(FLOOR((a.event_time - m.joined_time) / 604800.0) AS BIGINT) AS week_since_joining,
    MAX(CASE WHEN a.kind IN ('reached', 'delivered') THEN 1 ELSE 0 END) AS reached,
    MAX(CASE WHEN a.kind = 'delivered' THEN 1 ELSE 0 END) AS delivered,
    MAX(CASE WHEN a.kind = 'engaged' THEN 1 ELSE 0 END) AS engaged,
    MAX(CASE WHEN a.kind = 'converted' THEN 1 ELSE 0 END) AS converted,
    MAX(CASE WHEN a.kind = 'unsubscribed' THEN 1 ELSE 0 END) AS unsubscribed
  FROM audience_members AS m
  JOIN audience_activity AS a
    ON a.user_id = m.user_id
  WHERE a.event_time < m.joined_time OR m.left_time IS NULL OR a.event_time < m.left_time
  GROUP BY m.spell_id, CAST(FLOOR((a.event_time - m.joined_time) / 604800.0) AS BIGINT)
),
member_week AS (
  SELECT
    w.workspace, w.array_attribute, w.audience, w.identifier_kind, w.week_since_joining,
    w.week_start,
    CAST(FLOOR(w.week_start / 604800.0) AS BIGINT) AS epoch_week,
    -- The share of the member's week in its first calendar week.
    (CAST(FLOOR(w.week_start / 604800.0) AS BIGINT) * 604800 + 604800 - w.week_start) / 604800.0
      AS first_share,
    COALESCE(f.reached, 0) AS reached,
    COALESCE(f.reached * f.delivered, 0) AS delivered,
    COALESCE(f.reached * f.engaged, 0) AS engaged,
    COALESCE(f.converted, 0) AS converted,
    COALESCE(f.unsubscribed, 0) AS unsubscribed
  FROM spell_week AS w
  LEFT JOIN member_flags AS f
    ON f.spell_id = w.spell_id AND f.week_since_joining = w.week_since_joining
),
user_week AS (
  SELECT
    user_id,
    CAST(FLOOR(event_time / 604800.0) AS BIGINT) AS epoch_week,
    MAX(CASE WHEN kind IN ('reached', 'delivered') THEN 1 ELSE 0 END) AS reached,
    MAX(CASE WHEN kind = 'delivered' THEN 1 ELSE 0 END) AS delivered,
    MAX(CASE WHEN kind = 'engaged' THEN 1 ELSE 0 END) AS engaged,
    MAX(CASE WHEN kind = 'converted' THEN 1 ELSE 0 END) AS converted,
    MAX(CASE WHEN kind = 'unsubscribed' THEN 1 ELSE 0 END) AS unsubscribed
  FROM audience_activity
  GROUP BY user_id, CAST(FLOOR(event_time / 604800.0) AS BIGINT)
),
everyone_week AS (
  SELECT
    u.epoch_week,
    SUM(u.reached) AS reached,
    SUM(u.reached * u.delivered) AS delivered,
    SUM(u.reached * u.engaged) AS engaged,
    SUM(u.converted) AS converted,
    SUM(u.unsubscribed) AS unsubscribed
  FROM user_week AS u
  CROSS JOIN span
  WHERE u.epoch_week * 604800 >= span.first_time
    AND u.epoch_week * 604800 + 604800 <= span.last_time
  GROUP BY u.epoch_week
),
ever_member AS (
  SELECT DISTINCT workspace, array_attribute, audience, user_id FROM audience_members
),
ever_member_week AS (
  SELECT
    e.workspace, e.array_attribute, e.audience, u.epoch_week,
    SUM(u.reached) AS reached,
    SUM(u.reached * u.delivered) AS delivered,
    SUM(u.reached * u.engaged) AS engaged,
    SUM(u.converted) AS converted,
    SUM(u.unsubscribed) AS unsubscribed
  FROM ever_member AS e
  JOIN user_week AS u
    ON u.user_id = e.user_id
  GROUP BY e.workspace, e.array_attribute, e.audience, u.epoch_week
),
known AS (
  SELECT COUNT(DISTINCT user_id) AS users FROM currents_users
),
outsiders AS (
  SELECT e.workspace, e.array_attribute, e.audience, MAX(known.users) - COUNT(*) AS users
  FROM ever_member AS e
  CROSS JOIN known
  GROUP BY e.workspace, e.array_attribute, e.audience
),
outsider_counts AS (
  SELECT
    o.workspace, o.array_attribute, o.audience, w.epoch_week, o.users,
    w.reached - COALESCE(m.reached, 0) AS reached,
    w.delivered - COALESCE(m.delivered, 0) AS delivered,
    w.engaged - COALESCE(m.engaged, 0) AS engaged,
    w.converted - COALESCE(m.converted, 0) AS converted,
    w.unsubscribed - COALESCE(m.unsubscribed, 0) AS unsubscribed
  FROM outsiders AS o
  CROSS JOIN everyone_week AS w
  LEFT JOIN ever_member_week AS m
    ON m.workspace = o.workspace AND m.array_attribute = o.array_attribute
    AND m.audience = o.audience AND m.epoch_week = w.epoch_week
),
outsider_rates AS (
  SELECT
    workspace, array_attribute, audience, epoch_week,
    reached * 1.0 / NULLIF(users, 0) AS reached_of_members,
    delivered * 1.0 / NULLIF(reached, 0) AS delivered_of_reached,
    engaged * 1.0 / NULLIF(reached, 0) AS engaged_of_reached,
    converted * 1.0 / NULLIF(users, 0) AS converted_of_members,
    unsubscribed * 1.0 / NULLIF(users, 0) AS unsubscribed_of_members
  FROM outsider_counts
),
compared AS (  -- each member-week beside outsiders' rates over the calendar weeks it overlaps
  SELECT
    mw.*,
    CASE WHEN mw.first_share = 1 THEN a.reached_of_members
      ELSE mw.first_share * a.reached_of_members + (1 - mw.first_share) * b.reached_of_members
    END AS o_reached,
    CASE WHEN mw.first_share = 1 THEN a.delivered_of_reached
      ELSE mw.first_share * a.delivered_of_reached + (1 - mw.first_share) * b.delivered_of_reached
    END AS o_delivered,
    CASE WHEN mw.first_share = 1 THEN a.engaged_of_reached
      ELSE mw.first_share * a.engaged_of_reached + (1 - mw.first_share) * b.engaged_of_reached
    END AS o_engaged,
    CASE WHEN mw.first_share = 1 THEN a.converted_of_members
      ELSE mw.first_share * a.converted_of_members + (1 - mw.first_share) * b.converted_of_members
    END AS o_converted,
    CASE WHEN mw.first_share = 1 THEN a.unsubscribed_of_members
      ELSE mw.first_share * a.unsubscribed_of_members
        + (1 - mw.first_share) * b.unsubscribed_of_members
    END AS o_unsubscribed
  FROM member_week AS mw
  LEFT JOIN outsider_rates AS a
    ON a.workspace = mw.workspace AND a.array_attribute = mw.array_attribute
    AND a.audience = mw.audience AND a.epoch_week = mw.epoch_week
  LEFT JOIN outsider_rates AS b
    ON b.workspace = mw.workspace AND b.array_attribute = mw.array_attribute
    AND b.audience = mw.audience AND b.epoch_week = mw.epoch_week + 1
),
members_per_week AS (
  SELECT
    workspace, array_attribute, audience, identifier_kind, week_since_joining,
    COUNT(*) AS members,
    SUM(reached) AS members_reached,
    SUM(delivered) AS members_delivered,
    SUM(engaged) AS members_engaged,
    SUM(converted) AS members_converted,
    SUM(unsubscribed) AS members_unsubscribed,
    CASE WHEN COUNT(o_reached) = COUNT(*) THEN AVG(o_reached) END AS o_reached,
    CASE WHEN COUNT(CASE WHEN reached = 1 THEN o_delivered END) = SUM(reached)
      THEN AVG(CASE WHEN reached = 1 THEN o_delivered END) END AS o_delivered,
    CASE WHEN COUNT(CASE WHEN reached = 1 THEN o_engaged END) = SUM(reached)
      THEN AVG(CASE WHEN reached = 1 THEN o_engaged END) END AS o_engaged,
    CASE WHEN COUNT(o_converted) = COUNT(*) THEN AVG(o_converted) END AS o_converted,
    CASE WHEN COUNT(o_unsubscribed) = COUNT(*) THEN AVG(o_unsubscribed) END AS o_unsubscribed
  FROM compared
  GROUP BY workspace, array_attribute, audience, identifier_kind, week_since_joining
),
member_delivery AS (
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
outsider_delivery_week AS (
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
deliveries_per_week AS (
  SELECT
    md.workspace,
    md.array_attribute,
    md.audience,
    md.identifier_kind,
    md.week_since_joining,
    COUNT(*) AS deliveries,
    SUM(md.engaged) AS engaged_deliveries,
    SUM(o.engagement_rate) AS outsider_engaged,
    COUNT(o.engagement_rate) AS outsider_matched
  FROM member_delivery AS md
  LEFT JOIN outsider_delivery_week AS o
    ON o.workspace = md.workspace
    AND o.array_attribute = md.array_attribute
    AND o.audience = md.audience
    AND o.epoch_week = md.epoch_week
  GROUP BY md.workspace, md.array_attribute, md.audience, md.identifier_kind,
    md.week_since_joining
),
week_key AS (
  SELECT workspace, array_attribute, audience, identifier_kind, week_since_joining
  FROM members_per_week
  UNION
  SELECT workspace, array_attribute, audience, identifier_kind, week_since_joining
  FROM deliveries_per_week
)
SELECT
  k.audience,
  k.array_attribute,
  k.workspace,
  k.identifier_kind,
  k.week_since_joining,
  COALESCE(m.members, 0) AS members,
  COALESCE(m.members_reached, 0) AS members_reached,
  COALESCE(m.members_delivered, 0) AS members_delivered,
  COALESCE(m.members_engaged, 0) AS members_engaged,
  COALESCE(m.members_converted, 0) AS members_converted,
  COALESCE(m.members_unsubscribed, 0) AS members_unsubscribed,
  m.members_reached * 1.0 / m.members AS reached_of_members,
  m.members_delivered * 1.0 / NULLIF(m.members_reached, 0) AS delivered_of_reached,
  m.members_engaged * 1.0 / NULLIF(m.members_reached, 0) AS engaged_of_reached,
  m.members_converted * 1.0 / m.members AS converted_of_members,
  m.members_unsubscribed * 1.0 / m.members AS unsubscribed_of_members,
  -- Nine decimals: a sum of rates depends on the order it is added in (engines and dbt differ
  -- in the last bits), and the data cannot tell anything that fine anyway.
  CAST(m.o_reached AS DECIMAL(28, 9)) AS outsider_reached_of_members,
  CAST(m.o_delivered AS DECIMAL(28, 9)) AS outsider_delivered_of_reached,
  CAST(m.o_engaged AS DECIMAL(28, 9)) AS outsider_engaged_of_reached,
  CAST(m.o_converted AS DECIMAL(28, 9)) AS outsider_converted_of_members,
  CAST(m.o_unsubscribed AS DECIMAL(28, 9)) AS outsider_unsubscribed_of_members,
  COALESCE(d.deliveries, 0) AS deliveries,
  COALESCE(d.engaged_deliveries, 0) AS engaged_deliveries,
  d.engaged_deliveries * 1.0 / d.deliveries AS engagement_rate,
  CASE WHEN d.outsider_matched > 0
    THEN CAST(d.outsider_engaged / d.outsider_matched AS DECIMAL(28, 9))
  END AS outsider_engagement_rate,
  CASE
    WHEN d.outsider_matched > 0
      THEN CAST(
        d.engaged_deliveries * 1.0 / d.deliveries - d.outsider_engaged / d.outsider_matched
        AS DECIMAL(28, 9)
      )
  END AS lift
FROM week_key AS k
LEFT JOIN members_per_week AS m
  ON m.workspace = k.workspace AND m.array_attribute = k.array_attribute
  AND m.audience = k.audience AND m.identifier_kind = k.identifier_kind
  AND m.week_since_joining = k.week_since_joining
LEFT JOIN deliveries_per_week AS d
  ON d.workspace = k.workspace AND d.array_attribute = k.array_attribute
  AND d.audience = k.audience AND d.identifier_kind = k.identifier_kind
  AND d.week_since_joining = k.week_since_joining
ORDER BY k.audience, k.array_attribute, k.workspace, k.week_since_joining
