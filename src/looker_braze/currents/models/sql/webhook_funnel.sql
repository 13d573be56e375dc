-- Webhooks, all selected messages together: the sums of webhook_messages (a (user, message)
-- pair belongs to one message) and its rates. One row even when nothing was sent.
WITH total AS (
  SELECT
    CAST(COALESCE(SUM(sends), 0) AS BIGINT) AS sends,
    CAST(COALESCE(SUM(unique_sends), 0) AS BIGINT) AS unique_sends,
    CAST(COALESCE(SUM(failures), 0) AS BIGINT) AS failures,
    CAST(COALESCE(SUM(failed_sends), 0) AS BIGINT) AS failed_sends,
    CAST(COALESCE(SUM(given_up), 0) AS BIGINT) AS given_up,
    CAST(COALESCE(SUM(retries), 0) AS BIGINT) AS retries,
    CAST(COALESCE(SUM(aborts), 0) AS BIGINT) AS aborts
  FROM webhook_messages
)
SELECT
  sends,
  unique_sends,
  failures,
  failed_sends,
  CAST(failed_sends AS DOUBLE) / NULLIF(unique_sends, 0) AS failure_rate,
  given_up,
  CAST(given_up AS DOUBLE) / NULLIF(unique_sends, 0) AS give_up_rate,
  retries,
  aborts
FROM total
