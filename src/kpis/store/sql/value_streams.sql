-- Recorded value-stream amounts, all programs (or one: $program).
SELECT program, stream, year, amount, currency, growth_rate
FROM value_streams
WHERE $program IS NULL OR program = $program
ORDER BY program, stream, year
