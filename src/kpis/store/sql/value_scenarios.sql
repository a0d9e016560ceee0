-- Saved value scenarios with who made them.
SELECT name, growth_scale, investment_scale, growth_cap, run_cost, note, created_by, created_at
FROM value_scenarios
ORDER BY CASE name WHEN 'conservative' THEN 0 WHEN 'base' THEN 1 WHEN 'optimistic' THEN 2 ELSE 3 END, name
