-- One row per audience: its members (spells, and those Currents knows), and its engagement
-- rate before and after joining beside outsiders' over the same weeks. An audience Currents
-- cannot be joined to (alias identifiers) says why instead of showing zeros.
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
    ) AS outsider_engagement_rate
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
