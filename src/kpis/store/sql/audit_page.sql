-- One page of the audit log for the HTTP API, newest first: entries older than $before (an audit_id; NULL =
-- from the newest), filtered by person, KPI and time range (NULL = any).
SELECT audit_id, logged_at, actor, channel, action, entity, entity_key, kpi_id,
       old_value::VARCHAR AS old_value, new_value::VARCHAR AS new_value, reason
FROM audit_log
WHERE ($before IS NULL OR audit_id < $before)
  AND ($actor IS NULL OR actor = $actor)
  AND ($kpi_id IS NULL OR kpi_id = $kpi_id)
  AND ($since IS NULL OR logged_at >= $since)
  AND ($until IS NULL OR logged_at <= $until)
ORDER BY audit_id DESC
LIMIT $max_rows
