-- Recorded investments, all programs (or one: $program).
SELECT program, year, category, amount, currency
FROM investments
WHERE $program IS NULL OR program = $program
ORDER BY program, year, category
