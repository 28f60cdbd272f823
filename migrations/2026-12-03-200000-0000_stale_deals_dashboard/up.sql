-- Stale deals: each stage's open deals in the order they entered it, so "past the
-- stage's threshold" is a range scan per stage (and per owner for "mine" / "my team").
CREATE INDEX deals_tenant_open_stage_entered_idx ON deals (tenant_id, stage_id, stage_entered_at, id)
    WHERE deleted_at IS NULL AND status = 'open';
CREATE INDEX deals_tenant_open_owner_stage_idx ON deals (tenant_id, owner_id, stage_id, stage_entered_at, id)
    WHERE deleted_at IS NULL AND status = 'open';
-- Home dashboard: open pipeline and closing-this-month sums as index-only scans.
CREATE INDEX deals_tenant_open_owner_sums_idx ON deals (tenant_id, owner_id)
    INCLUDE (amount_minor, probability, currency, expected_close_date)
    WHERE deleted_at IS NULL AND status = 'open';
-- Home dashboard and the deal list's "Closed" filter: won deals by actual close date.
CREATE INDEX deals_tenant_won_closed_idx ON deals (tenant_id, actual_close_date)
    INCLUDE (owner_id, amount_minor, currency)
    WHERE deleted_at IS NULL AND status = 'won';
