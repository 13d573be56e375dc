-- One row per (campaign, user) of a campaign's audience in the selected time: `treatment` when
-- the campaign reached the user (campaign_recipients), else `control` when Braze enrolled the
-- user in its control group (users.campaigns.EnrollInControl); `converted` when the user has a
-- users.campaigns.Conversion of the campaign. A user the campaign reached counts as treatment
-- even if also enrolled in control, so the groups never overlap; a conversion of a user in
-- neither group (reached before the selected time) is left out.
WITH events AS (
  SELECT
    campaign_id,
    user_id,
    MAX(campaign_name) AS campaign_name,
    MAX(CASE WHEN event_type = 'EnrollInControl' THEN 1 ELSE 0 END) AS in_control,
    MAX(CASE WHEN event_type = 'Conversion' THEN 1 ELSE 0 END) AS converted
  FROM stg_conversions
  WHERE event_time >= :start_time AND event_time < :end_time
    AND param_match(campaign_name, :campaign_name)
    AND campaign_id IS NOT NULL AND user_id IS NOT NULL
  GROUP BY campaign_id, user_id
),
audience AS (
  SELECT
    COALESCE(campaign_recipients.campaign_id, events.campaign_id) AS campaign_id,
    COALESCE(campaign_recipients.campaign_name, events.campaign_name) AS campaign_name,
    COALESCE(campaign_recipients.user_id, events.user_id) AS user_id,
    CASE
      WHEN campaign_recipients.user_id IS NOT NULL THEN 'treatment'
      WHEN events.in_control = 1 THEN 'control'
    END AS audience_group,
    COALESCE(events.converted, 0) AS converted
  FROM campaign_recipients
  FULL OUTER JOIN events
    ON events.campaign_id = campaign_recipients.campaign_id
      AND events.user_id = campaign_recipients.user_id
)
SELECT campaign_id, campaign_name, user_id, audience_group, converted
FROM audience
WHERE audience_group IS NOT NULL
