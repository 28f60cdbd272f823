-- The deal board (issue 4): one index serves both the grouped column totals of a pipeline
-- (count, amount, weighted amount per stage) and each column's keyset pages on
-- (stage_entered_at, id). The INCLUDE columns are what the totals, the board's filters and
-- the deals visibility policy read, so the totals can be answered from the index alone.
CREATE INDEX deals_tenant_board_idx
    ON deals (tenant_id, pipeline_id, stage_id, stage_entered_at, id)
    INCLUDE (amount_minor, probability, currency, owner_id, expected_close_date)
    WHERE deleted_at IS NULL;
