-- Every FX rate, newest first within each pair.
SELECT base, quote, day, rate, updated_by, updated_at
FROM fx_rates
ORDER BY base, quote, day DESC
