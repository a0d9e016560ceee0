-- A new version for each changed target: the previous value, who, when and why are kept.
INSERT INTO target_versions (kpi_id, year, quarter, region, department, target,
                             previous, changed_by, changed_at, reason)
SELECT kpi_id, year, quarter, region, department, target, previous,
       $actor, $now, reason
FROM changed_targets
