-- Staging, audiences: the Looker audiences looker-braze sent to Braze (`looker-braze audiences
-- export` writes the table beside the Currents tables), one row per membership spell: a member
-- of audience `audience` (the label of array attribute `array_attribute` in Braze workspace
-- `workspace`) from `joined_time` to `left_time` (NULL: still in), both in UTC epoch seconds
-- like Currents' TIME. The identifier is the one the audience was sent with (`identifier_kind`:
-- external_id, braze_id, email, phone or user_alias).
SELECT
  JOIN_SEQ AS spell_id,
  WORKSPACE AS workspace,
  ARRAY_ATTRIBUTE AS array_attribute,
  LABEL AS audience,
  IDENTIFIER_KIND AS identifier_kind,
  IDENTIFIER AS identifier,
  JOINED_TIME AS joined_time,
  LEFT_TIME AS left_time
FROM LOOKER_BRAZE_AUDIENCE_MEMBERSHIP
