DROP TRIGGER IF EXISTS deals_totals_insert ON deals;
DROP TRIGGER IF EXISTS deals_totals_update ON deals;
DROP TRIGGER IF EXISTS deals_totals_delete ON deals;
DROP FUNCTION IF EXISTS rapport_deal_totals_apply();
DROP FUNCTION IF EXISTS rapport_deal_totals_add(deal_totals_part[], integer[]);
DROP FUNCTION IF EXISTS rapport_deal_totals_part(deals);
DROP TYPE IF EXISTS deal_totals_part;
DROP TABLE IF EXISTS deal_stage_totals;
