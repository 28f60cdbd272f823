-- The background job queue (src/jobs): one table of jobs that workers claim with
-- FOR UPDATE SKIP LOCKED, and the periodic schedules a scheduler turns into jobs.
--
-- Jobs are cross-tenant work: workers claim them as rapport_system, then run each job's
-- work in the job's tenant scope. tenant_id is NULL for system-wide jobs. Row-level
-- security lets a tenant's admin (rapport_app) see and enqueue only that tenant's jobs;
-- rows with a NULL tenant_id are visible to rapport_system only.
CREATE TABLE jobs (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id            bigint REFERENCES tenants (id) ON DELETE CASCADE,
    kind                 text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{0,99}$'),
    payload              jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Higher runs first.
    priority             smallint NOT NULL DEFAULT 0,
    -- queued: waiting for run_at; running: claimed by a worker; failed: an attempt failed
    -- and it waits for its retry at run_at; dead: out of attempts (or a permanent error);
    -- succeeded / cancelled: finished.
    status               text NOT NULL DEFAULT 'queued'
                             CHECK (status IN ('queued', 'running', 'failed', 'dead', 'succeeded', 'cancelled')),
    attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts         integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
    run_at               timestamptz NOT NULL DEFAULT now(),
    -- At most one live (queued, running or failed) job per (kind, dedupe_key).
    dedupe_key           text,
    locked_by            text,
    started_at           timestamptz,
    heartbeat_at         timestamptz,
    cancel_requested_at  timestamptz,
    finished_at          timestamptz,
    last_error           text,
    created_by           bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
-- The claim query's index. It does not lead with tenant_id on purpose: workers claim
-- across tenants, in priority order.
CREATE INDEX jobs_ready_idx ON jobs (priority DESC, run_at, id) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_running_idx ON jobs (heartbeat_at) WHERE status = 'running';
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_tenant_status_idx ON jobs (tenant_id, status, id DESC);
CREATE INDEX jobs_tenant_id_idx ON jobs (tenant_id, id DESC);
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('queued', 'running', 'failed');
SELECT rapport_enable_tenant_rls('jobs');
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Periodic jobs. Rows are written by the scheduler from the schedules registered in code;
-- the scheduler locks due rows (SKIP LOCKED) so several processes never enqueue twice.
CREATE TABLE job_schedules (
    name         text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.-]{0,99}$'),
    cron         text NOT NULL,
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- One job per tenant (tenant_id set) instead of one system-wide job.
    per_tenant   boolean NOT NULL DEFAULT false,
    next_run_at  timestamptz NOT NULL,
    last_run_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
-- Only the scheduler (rapport_system) touches schedules.
REVOKE ALL ON job_schedules FROM rapport_app;
