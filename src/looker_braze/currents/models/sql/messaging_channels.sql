-- The messaging channels (parameter `channel` picks one), in the order the dashboards show
-- them, with the events that decide their rates' bases (Braze's event glossary): SMS, WhatsApp
-- and RCS report deliveries, LINE does not (Send, Click, InboundReceive, Retry, Abort), so its
-- clicks and replies are counted per send; only WhatsApp and RCS report reads (elsewhere the
-- read measures are NULL, not 0).
WITH channels AS (
  SELECT 1 AS channel_order, 'sms' AS channel, TRUE AS reports_delivery, FALSE AS reports_read
  UNION ALL
  SELECT 2, 'whatsapp', TRUE, TRUE
  UNION ALL
  SELECT 3, 'rcs', TRUE, TRUE
  UNION ALL
  SELECT 4, 'line', FALSE, FALSE
)
SELECT channel_order, channel, reports_delivery, reports_read
FROM channels
WHERE param_match(channel, :channel)
