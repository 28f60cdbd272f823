-- The sync hub (src/sync): connections to other tools, the models they offer, raw synced
-- records, sync runs with their per-record errors, and the links from synced records to
-- the CRM records they became.

-- One connection per source per tenant. Credentials are encrypted by the application
-- (XChaCha20-Poly1305 with a key from the environment) and never leave it in full.
CREATE TABLE sync_connections (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    source             text NOT NULL CHECK (source ~ '^[a-z][a-z0-9]{1,30}$'),
    -- Settings that are not secret: base URL, account id, field mapping, stage map…
    settings           jsonb NOT NULL DEFAULT '{}'::jsonb,
    secret_ciphertext  bytea,
    -- The last characters of the secret, to recognise it ("•••• 1a2b").
    secret_hint        text,
    last_tested_at     timestamptz,
    last_test_ok       boolean,
    last_test_message  text,
    created_by         bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, source),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
SELECT rapport_enable_tenant_rls('sync_connections');
CREATE TRIGGER sync_connections_touch BEFORE UPDATE ON sync_connections
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- A (source, model) stream of a tenant: its cursor (advanced only past stored records)
-- and its live record count, kept by the runner so no page ever counts the records.
CREATE TABLE sync_models (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    source           text NOT NULL,
    model            text NOT NULL,
    cursor           text,
    record_count     bigint NOT NULL DEFAULT 0,
    deleted_count    bigint NOT NULL DEFAULT 0,
    last_run_id      bigint,
    last_success_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, source, model)
);
SELECT rapport_enable_tenant_rls('sync_models');

-- Raw records, one per (tenant, model, source id). Bulk loads write millions of rows, so
-- this table has no foreign keys (a per-row check would halve load speed); records go
-- with their model through the trigger below, and models go with their tenant.
CREATE TABLE sync_records (
    tenant_id          bigint NOT NULL,
    model_id           bigint NOT NULL,
    source_id          text NOT NULL,
    payload            jsonb NOT NULL,
    -- SHA-256 (first 16 bytes) of the canonical payload: unchanged records are skipped.
    hash               bytea NOT NULL,
    -- The record's modification time at the source (its cursor field); for sources
    -- without one, when its payload last changed here. Sorts the data table.
    source_updated_at  timestamptz NOT NULL DEFAULT now(),
    first_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at       timestamptz NOT NULL DEFAULT now(),
    changed_at         timestamptz NOT NULL DEFAULT now(),
    -- Set when the source reports the record deleted (or a full sync no longer sees it).
    deleted_at         timestamptz,
    last_run_id        bigint,
    PRIMARY KEY (tenant_id, model_id, source_id)
);
CREATE INDEX sync_records_recent_idx
    ON sync_records (tenant_id, model_id, source_updated_at DESC, source_id DESC);
SELECT rapport_enable_tenant_rls('sync_records');

CREATE FUNCTION rapport_sync_model_deleted() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM sync_records WHERE tenant_id = OLD.tenant_id AND model_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER sync_models_delete_records AFTER DELETE ON sync_models
    FOR EACH ROW EXECUTE FUNCTION rapport_sync_model_deleted();

-- One sync of one model. Mirrors what ops expect from a sync history: source, model,
-- endpoint, times, status, counts, error, the options used, performance metrics; plus
-- the cursor reached and a debug log.
CREATE TABLE sync_runs (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id            bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    source               text NOT NULL,
    model                text NOT NULL,
    status               text NOT NULL DEFAULT 'queued'
                             CHECK (status IN ('queued', 'running', 'success', 'failed', 'partial', 'cancelled')),
    trigger              text NOT NULL CHECK (trigger IN ('dashboard', 'api', 'cli', 'schedule')),
    requested_by         bigint,
    options              jsonb NOT NULL DEFAULT '{}'::jsonb,
    endpoint             text,
    queued_at            timestamptz NOT NULL DEFAULT now(),
    started_at           timestamptz,
    finished_at          timestamptz,
    heartbeat_at         timestamptz,
    worker               text,
    job_id               bigint,
    processed            bigint NOT NULL DEFAULT 0,
    created              bigint NOT NULL DEFAULT 0,
    updated              bigint NOT NULL DEFAULT 0,
    unchanged            bigint NOT NULL DEFAULT 0,
    failed               bigint NOT NULL DEFAULT 0,
    deleted              bigint NOT NULL DEFAULT 0,
    expected_total       bigint,
    pages                integer NOT NULL DEFAULT 0,
    requests             integer NOT NULL DEFAULT 0,
    retries              integer NOT NULL DEFAULT 0,
    rate_limit_waits     integer NOT NULL DEFAULT 0,
    rate_limit_wait_ms   bigint NOT NULL DEFAULT 0,
    cursor_before        text,
    cursor_after         text,
    error_message        text,
    debug_log            text,
    cancel_requested_at  timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, requested_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (requested_by)
);
-- At most one queued or running run per (tenant, source, model).
CREATE UNIQUE INDEX sync_runs_one_active_key ON sync_runs (tenant_id, source, model)
    WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_model_idx ON sync_runs (tenant_id, source, model, id DESC);
CREATE INDEX sync_runs_tenant_idx ON sync_runs (tenant_id, id DESC);
CREATE INDEX sync_runs_status_idx ON sync_runs (tenant_id, status, id DESC);
-- Recovery of runs whose process died looks across tenants.
CREATE INDEX sync_runs_running_idx ON sync_runs (heartbeat_at) WHERE status = 'running';
SELECT rapport_enable_tenant_rls('sync_runs');

CREATE TABLE sync_run_errors (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    run_id           bigint NOT NULL,
    source_id        text,
    reason           text NOT NULL,
    payload_excerpt  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, run_id) REFERENCES sync_runs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sync_run_errors_run_idx ON sync_run_errors (tenant_id, run_id, id);
SELECT rapport_enable_tenant_rls('sync_run_errors');

-- Which CRM record a synced record became, and the value of each field the sync last
-- wrote: a field whose current value differs was edited in Rapport and is kept.
CREATE TABLE sync_links (
    tenant_id      bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    source         text NOT NULL,
    model          text NOT NULL,
    source_id      text NOT NULL,
    entity_type    text NOT NULL CHECK (entity_type IN ('company', 'contact', 'deal', 'activity')),
    entity_id      bigint NOT NULL,
    synced_values  jsonb NOT NULL DEFAULT '{}'::jsonb,
    synced_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source, model, source_id)
);
CREATE INDEX sync_links_entity_idx ON sync_links (tenant_id, entity_type, entity_id);
SELECT rapport_enable_tenant_rls('sync_links');
