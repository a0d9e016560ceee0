-- Maturity scores of every unit for quarters up to ($year, $quarter), newest first.
SELECT unit, year, quarter, dimension, score, target, assessor, evidence
FROM maturity_assessments
WHERE year * 4 + quarter <= $year * 4 + $quarter
  AND ($unit IS NULL OR unit = $unit)
ORDER BY unit, year DESC, quarter DESC, dimension
