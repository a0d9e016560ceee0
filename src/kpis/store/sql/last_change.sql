-- Who last wrote an entity key, and when (for conflict messages).
SELECT actor, logged_at, action
FROM audit_log
WHERE entity = $entity AND entity_key = $entity_key
ORDER BY logged_at DESC, audit_id DESC
LIMIT 1
