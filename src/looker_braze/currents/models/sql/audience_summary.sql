-- One row per audience: its members (spells, and those Currents knows); its engagement rate
-- per email and push delivery before and after joining beside outsiders' over the same weeks;
-- and, on every channel, the weekly rates of audience_engagement (reached_of_members,
-- delivered_of_reached, engaged_of_reached, converted_of_members, unsubscribed_of_members:
-- member-weeks with the event over member-weeks in the base) before joining (_before), after
-- joining (_after) and for outsiders over the same weeks (outsider_..., weighted as the
-- members' base falls across the weeks), with the lift of after over each baseline
-- (<figure>_lift_over_outsiders, <figure>_lift_over_before). An audience Currents cannot be
-- joined to (alias identifiers) says why instead of showing zeros.
WITH spells AS (
  SELECT
    workspace,
    array_attribute,
    audience,
    MIN(identifier_kind) AS identifier_kind,
    COUNT(*) AS spells,
    COUNT(DISTINCT identifier) AS members_ever,
    SUM(CASE WHEN left_time IS NULL THEN 1 ELSE 0 END) AS members_now
  FROM stg_audience_membership
  GROUP BY workspace, array_attribute, audience
),
found AS (
  SELECT workspace, array_attribute, audience, COUNT(DISTINCT spell_id) AS spells_found
  FROM audience_members
  GROUP BY workspace, array_attribute, audience
),
rates AS (
  SELECT
    workspace,
    array_attribute,
    audience,
    SUM(CASE WHEN week_since_joining < 0 THEN engaged_deliveries ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN deliveries ELSE 0 END), 0)
      AS engagement_rate_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN engaged_deliveries ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN deliveries ELSE 0 END), 0)
      AS engagement_rate_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_engagement_rate * deliveries END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_engagement_rate IS NOT NULL
        THEN deliveries END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_engagement_rate,
    SUM(CASE WHEN week_since_joining < 0 THEN members_reached ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN members ELSE 0 END), 0)
      AS reached_of_members_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN members_reached ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN members ELSE 0 END), 0)
      AS reached_of_members_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_reached_of_members * members END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_reached_of_members IS NOT NULL
        THEN members END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_reached_of_members,
    SUM(CASE WHEN week_since_joining < 0 THEN members_delivered ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN members_reached ELSE 0 END), 0)
      AS delivered_of_reached_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN members_delivered ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN members_reached ELSE 0 END), 0)
      AS delivered_of_reached_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_delivered_of_reached * members_reached END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_delivered_of_reached IS NOT NULL
        THEN members_reached END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_delivered_of_reached,
    SUM(CASE WHEN week_since_joining < 0 THEN members_engaged ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN members_reached ELSE 0 END), 0)
      AS engaged_of_reached_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN members_engaged ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN members_reached ELSE 0 END), 0)
      AS engaged_of_reached_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_engaged_of_reached * members_reached END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_engaged_of_reached IS NOT NULL
        THEN members_reached END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_engaged_of_reached,
    SUM(CASE WHEN week_since_joining < 0 THEN members_converted ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN members ELSE 0 END), 0)
      AS converted_of_members_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN members_converted ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN members ELSE 0 END), 0)
      AS converted_of_members_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_converted_of_members * members END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_converted_of_members IS NOT NULL
        THEN members END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_converted_of_members,
    SUM(CASE WHEN week_since_joining < 0 THEN members_unsubscribed ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining < 0 THEN members ELSE 0 END), 0)
      AS unsubscribed_of_members_before,
    SUM(CASE WHEN week_since_joining >= 0 THEN members_unsubscribed ELSE 0 END) * 1.0
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 THEN members ELSE 0 END), 0)
      AS unsubscribed_of_members_after,
    CAST(
      SUM(CASE WHEN week_since_joining >= 0 THEN outsider_unsubscribed_of_members * members END)
      / NULLIF(SUM(CASE WHEN week_since_joining >= 0 AND outsider_unsubscribed_of_members IS NOT NULL
        THEN members END), 0)
      AS DECIMAL(28, 9)
    ) AS outsider_unsubscribed_of_members
  FROM audience_engagement
  GROUP BY workspace, array_attribute, audience
)
SELECT
  s.audience,
  s.array_attribute,
  s.workspace,
  s.identifier_kind,
  s.members_ever,
  s.members_now,
  COALESCE(f.spells_found, 0) AS spells_in_currents,
  s.spells,
  r.engagement_rate_before,
  r.engagement_rate_after,
  r.outsider_engagement_rate,
  CAST(r.engagement_rate_after - r.outsider_engagement_rate AS DECIMAL(28, 9)) AS lift_over_outsiders,
  CAST(r.engagement_rate_after - r.engagement_rate_before AS DECIMAL(28, 9)) AS lift_over_before,
  r.reached_of_members_before,
  r.reached_of_members_after,
  r.outsider_reached_of_members,
  CAST(r.reached_of_members_after - r.outsider_reached_of_members AS DECIMAL(28, 9)) AS reached_lift_over_outsiders,
  CAST(r.reached_of_members_after - r.reached_of_members_before AS DECIMAL(28, 9)) AS reached_lift_over_before,
  r.delivered_of_reached_before,
  r.delivered_of_reached_after,
  r.outsider_delivered_of_reached,
  CAST(r.delivered_of_reached_after - r.outsider_delivered_of_reached AS DECIMAL(28, 9)) AS delivered_lift_over_outsiders,
  CAST(r.delivered_of_reached_after - r.delivered_of_reached_before AS DECIMAL(28, 9)) AS delivered_lift_over_before,
  r.engaged_of_reached_before,
  r.engaged_of_reached_after,
  r.outsider_engaged_of_reached,
  CAST(r.engaged_of_reached_after - r.outsider_engaged_of_reached AS DECIMAL(28, 9)) AS engaged_lift_over_outsiders,
  CAST(r.engaged_of_reached_after - r.engaged_of_reached_before AS DECIMAL(28, 9)) AS engaged_lift_over_before,
  r.converted_of_members_before,
  r.converted_of_members_after,
  r.outsider_converted_of_members,
  CAST(r.converted_of_members_after - r.outsider_converted_of_members AS DECIMAL(28, 9)) AS converted_lift_over_outsiders,
  CAST(r.converted_of_members_after - r.converted_of_members_before AS DECIMAL(28, 9)) AS converted_lift_over_before,
  r.unsubscribed_of_members_before,
  r.unsubscribed_of_members_after,
  r.outsider_unsubscribed_of_members,
  CAST(r.unsubscribed_of_members_after - r.outsider_unsubscribed_of_members AS DECIMAL(28, 9)) AS unsubscribed_lift_over_outsiders,
  CAST(r.unsubscribed_of_members_after - r.unsubscribed_of_members_before AS DECIMAL(28, 9)) AS unsubscribed_lift_over_before,
  CASE
    WHEN s.identifier_kind = 'user_alias'
      THEN 'Currents carries no alias: this audience cannot be joined to its events'
    WHEN s.identifier_kind = 'phone' AND COALESCE(f.spells_found, 0) = 0
      THEN 'none of these numbers appears in the loaded SMS, WhatsApp or RCS Currents'
    WHEN COALESCE(f.spells_found, 0) = 0
      THEN 'no member of this audience appears in the loaded Currents'
  END AS note
FROM spells AS s
LEFT JOIN found AS f
  ON f.workspace = s.workspace AND f.array_attribute = s.array_attribute
  AND f.audience = s.audience
LEFT JOIN rates AS r
  ON r.workspace = s.workspace AND r.array_attribute = s.array_attribute
  AND r.audience = s.audience
ORDER BY s.audience, s.array_attribute, s.workspace
