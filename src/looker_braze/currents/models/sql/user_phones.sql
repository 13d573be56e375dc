-- Each phone number Currents saw with the Braze user it belongs to: the number an SMS, WhatsApp
-- or RCS message went to (to_phone_number) or a click or inbound message came from
-- (user_phone_number), as the staging models' `address`. LINE names no phone. A number shared
-- by several profiles names each of them.
-- Compared as written: Braze sends to, and Currents reports, E.164 numbers (+ and the country
-- code, e.g. +16462345678), and the hub already made every phone identifier E.164 when it read
-- the Look (braze/phones.py), before Braze or the state store saw it. The one rule for a phone's
-- form is that Python one, so no second normaliser lives here in SQL on four engines.
SELECT DISTINCT address AS phone_number, user_id
FROM (
  SELECT address, user_id FROM stg_sms
  UNION ALL
  SELECT address, user_id FROM stg_whatsapp
  UNION ALL
  SELECT address, user_id FROM stg_rcs
) AS messaged
WHERE address IS NOT NULL AND user_id IS NOT NULL
