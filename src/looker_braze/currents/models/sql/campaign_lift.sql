-- Campaign conversions against control, one row per campaign: users the campaign reached
-- (treatment) and users Braze held in its control group, the users of each who converted, the
-- conversion rates (converted users over the group's users: never above 100%), and the lift:
-- absolute (treatment rate minus control rate) and relative (over the control rate). With no
-- control group the lift is left empty and `lift_note` says "no control group"; with a control
-- group that did not convert the relative lift is left empty ("no control conversions").
SELECT
  campaign_name,
  treatment_users,
  treatment_converted,
  CAST(treatment_converted AS DOUBLE) / NULLIF(treatment_users, 0) AS conversion_rate,
  control_users,
  control_converted,
  CAST(control_converted AS DOUBLE) / NULLIF(control_users, 0) AS control_conversion_rate,
  CASE WHEN control_users > 0 AND treatment_users > 0
    THEN CAST(treatment_converted AS DOUBLE) / treatment_users
      - CAST(control_converted AS DOUBLE) / control_users
  END AS absolute_lift,
  CASE WHEN control_converted > 0 AND treatment_users > 0
    THEN (CAST(treatment_converted AS DOUBLE) / treatment_users)
      / (CAST(control_converted AS DOUBLE) / control_users) - 1
  END AS relative_lift,
  CASE
    WHEN control_users = 0 THEN 'no control group'
    WHEN control_converted = 0 THEN 'no control conversions'
  END AS lift_note
FROM campaign_lift_counts
ORDER BY campaign_name, campaign_id
