DROP INDEX IF EXISTS deals_tenant_closed_idx;
DROP INDEX IF EXISTS deal_stage_history_to_idx;
DROP INDEX IF EXISTS deal_stage_history_from_cover_idx;
