DROP INDEX IF EXISTS deals_tenant_amount_idx;
DROP INDEX IF EXISTS deals_tenant_title_idx;
DROP TABLE IF EXISTS deal_line_items;
DROP TABLE IF EXISTS deal_team_members;
