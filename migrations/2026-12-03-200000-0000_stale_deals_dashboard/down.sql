DROP INDEX IF EXISTS deals_tenant_won_closed_idx;
DROP INDEX IF EXISTS deals_tenant_open_owner_sums_idx;
DROP INDEX IF EXISTS deals_tenant_open_owner_stage_idx;
DROP INDEX IF EXISTS deals_tenant_open_stage_entered_idx;
