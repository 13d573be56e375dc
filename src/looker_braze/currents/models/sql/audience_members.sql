-- Each audience's spells resolved to the Braze users Currents knows: external_id audiences on
-- Currents' external_user_id, braze_id audiences on user_id, email audiences on the address
-- (case-insensitive), phone audiences on the number an SMS, WhatsApp or RCS event names
-- (user_phones: both sides E.164). Alias audiences are not resolved (Currents carries no
-- alias): audience_summary says so rather than showing zeros.
-- Known users: anyone on any channel's events, conversions or subscription changes.
WITH known_user AS (
  SELECT user_id, external_user_id, email_address FROM currents_users
)
SELECT DISTINCT
  s.spell_id, s.workspace, s.array_attribute, s.audience, s.identifier_kind, s.joined_time,
  s.left_time, k.user_id
FROM stg_audience_membership AS s
JOIN known_user AS k
  ON k.external_user_id = s.identifier
WHERE s.identifier_kind = 'external_id'
UNION
SELECT
  s.spell_id, s.workspace, s.array_attribute, s.audience, s.identifier_kind, s.joined_time,
  s.left_time, k.user_id
FROM stg_audience_membership AS s
JOIN known_user AS k
  ON k.user_id = s.identifier
WHERE s.identifier_kind = 'braze_id'
UNION
SELECT
  s.spell_id, s.workspace, s.array_attribute, s.audience, s.identifier_kind, s.joined_time,
  s.left_time, k.user_id
FROM stg_audience_membership AS s
JOIN known_user AS k
  ON k.email_address = LOWER(s.identifier)
WHERE s.identifier_kind = 'email'
UNION
SELECT
  s.spell_id, s.workspace, s.array_attribute, s.audience, s.identifier_kind, s.joined_time,
  s.left_time, p.user_id
FROM stg_audience_membership AS s
JOIN user_phones AS p
  ON p.phone_number = s.identifier
WHERE s.identifier_kind = 'phone'
