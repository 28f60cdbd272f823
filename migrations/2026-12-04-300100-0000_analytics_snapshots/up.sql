-- Analytics snapshots (issue 4): the analytics report of a large tenant reads every stage
-- change of every deal (seconds of work), so each computed report is kept with the moment
-- it was computed, served while fresh with that "as of" time, recomputed on demand, and
-- refreshed in the background for the reports people look at.
--
-- A report counts only the deals its viewer may see, so snapshots are keyed by that
-- visibility (`scope_key`): 'all', or the sorted owner ids the viewer sees. The policy
-- below derives the key from the session itself, so no viewer can read or write a
-- snapshot computed for another scope.

CREATE FUNCTION app_analytics_scope() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN app_sees_all_records() THEN 'all'
        ELSE 'owners:' || array_to_string(ARRAY(
            SELECT DISTINCT o FROM unnest(app_visible_owner_ids()) AS o ORDER BY o), ',')
    END
    $$;

CREATE TABLE analytics_snapshots (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    scope_key      text NOT NULL,
    -- The filters in canonical text form (pipeline, owner, team, range, time zone).
    filter_key     text NOT NULL,
    -- The same filters as data, so the background refresh can recompute the report.
    filters        jsonb NOT NULL,
    report         jsonb NOT NULL,
    computed_at    timestamptz NOT NULL,
    compute_ms     integer NOT NULL,
    last_viewed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX analytics_snapshots_key ON analytics_snapshots
    (tenant_id, scope_key, filter_key);
-- The refresh job's scan: recently viewed snapshots of a tenant.
CREATE INDEX analytics_snapshots_viewed_idx ON analytics_snapshots
    (tenant_id, last_viewed_at);
SELECT rapport_enable_tenant_rls('analytics_snapshots');
CREATE POLICY snapshot_scope ON analytics_snapshots AS RESTRICTIVE TO rapport_app
    USING (scope_key = (SELECT app_analytics_scope()))
    WITH CHECK (scope_key = (SELECT app_analytics_scope()));
