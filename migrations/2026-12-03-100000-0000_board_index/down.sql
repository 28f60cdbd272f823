DROP INDEX IF EXISTS deals_tenant_board_idx;
