-- Email deliverability per period: sent, delivered, bounces, soft bounces, spam reports and
-- unsubscribes, each with its rate of sends. Bounces and spam reports count events,
-- unsubscribes distinct addresses (the block's measures); unsubscribe_events counts events.
SELECT
  period_start, sent, delivered, delivery_rate, bounces, bounce_rate, soft_bounces,
  soft_bounce_rate, spam_reports, spam_rate, unsubscribes, unsubscribe_rate, unsubscribe_events
FROM email_periods
ORDER BY period_start
