-- Editor ticks for one unit and quarter.
SELECT checklist, item, done, note, updated_by, updated_at
FROM checklist_ticks
WHERE unit = $unit AND year = $year AND quarter = $quarter
