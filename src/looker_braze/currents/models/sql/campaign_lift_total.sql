-- Campaign conversions against control, all selected campaigns with a control group pooled:
-- treatment and control users, conversions, rates and lift (as in campaign_lift). Campaigns
-- without a control group are left out of the pool (they have nothing to compare with) and
-- counted beside it. One row even when empty.
WITH pooled AS (
  SELECT
    CAST(COALESCE(SUM(CASE WHEN control_users > 0 THEN treatment_users END), 0) AS BIGINT)
      AS treatment_users,
    CAST(COALESCE(SUM(CASE WHEN control_users > 0 THEN treatment_converted END), 0) AS BIGINT)
      AS treatment_converted,
    CAST(COALESCE(SUM(control_users), 0) AS BIGINT) AS control_users,
    CAST(COALESCE(SUM(control_converted), 0) AS BIGINT) AS control_converted,
    COUNT(CASE WHEN control_users = 0 THEN 1 END) AS campaigns_without_control
  FROM campaign_lift_counts
)
SELECT
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
  campaigns_without_control
FROM pooled
