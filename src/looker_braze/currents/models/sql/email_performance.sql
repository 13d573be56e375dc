-- Email performance per period: delivered, unique opens and clicks with their rates.
SELECT
  period_start, delivered, unique_opens, unique_open_rate, unique_clicks, unique_click_rate
FROM email_periods
ORDER BY period_start
