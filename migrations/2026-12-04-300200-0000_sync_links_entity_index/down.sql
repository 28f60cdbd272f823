DROP INDEX sync_links_entity_idx;
CREATE INDEX sync_links_entity_idx ON sync_links (tenant_id, entity_type, entity_id);
