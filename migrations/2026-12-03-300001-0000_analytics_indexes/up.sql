-- Analytics (issue 4): time in stage reads history rows by the stage they left, and
-- conversion by the stage they entered, both within a date range; won/lost figures read
-- closed deals by close date. Covering columns let the scans skip the heap.
CREATE INDEX deal_stage_history_from_cover_idx ON deal_stage_history
    (tenant_id, from_stage_id, changed_at) INCLUDE (deal_id, duration_seconds)
    WHERE duration_seconds IS NOT NULL;
CREATE INDEX deal_stage_history_to_idx ON deal_stage_history
    (tenant_id, to_stage_id, changed_at) INCLUDE (deal_id);
CREATE INDEX deals_tenant_closed_idx ON deals
    (tenant_id, pipeline_id, actual_close_date) INCLUDE (status, amount_minor, owner_id)
    WHERE deleted_at IS NULL AND status IN ('won', 'lost');
