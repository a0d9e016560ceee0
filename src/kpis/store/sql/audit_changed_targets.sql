-- One audit entry per changed target (create or update, old -> new).
INSERT INTO audit_log (logged_at, actor, channel, action, entity, entity_key, kpi_id,
                       old_value, new_value, reason)
SELECT $now, $actor, $channel,
       CASE WHEN previous IS NULL THEN 'create' ELSE 'update' END,
       'target',
       concat_ws(' / ', kpi_id, year::VARCHAR || '-Q' || quarter::VARCHAR,
                 coalesce(region, '*'), coalesce(department, '*')),
       kpi_id,
       CASE WHEN previous IS NULL THEN NULL ELSE json_object('target', previous) END,
       json_object('target', target),
       reason
FROM changed_targets
