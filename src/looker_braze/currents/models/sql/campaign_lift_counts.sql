-- Per campaign: treatment and control users and how many of each converted.
SELECT
  campaign_id,
  MAX(campaign_name) AS campaign_name,
  COUNT(CASE WHEN audience_group = 'treatment' THEN 1 END) AS treatment_users,
  COUNT(CASE WHEN audience_group = 'treatment' AND converted = 1 THEN 1 END)
    AS treatment_converted,
  COUNT(CASE WHEN audience_group = 'control' THEN 1 END) AS control_users,
  COUNT(CASE WHEN audience_group = 'control' AND converted = 1 THEN 1 END) AS control_converted
FROM campaign_audience
GROUP BY campaign_id
