-- Tenants, roles, teams, users, sessions, API tokens and the security and audit logs.

CREATE TABLE tenants (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name              text NOT NULL CHECK (length(btrim(name)) > 0),
    -- Who sees which records (enforced by policies added with the records feature).
    record_visibility text NOT NULL DEFAULT 'all' CHECK (record_visibility IN ('all', 'team', 'own')),
    time_zone         text NOT NULL DEFAULT 'UTC',
    currency          text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants TO rapport_app
    USING (id = app_tenant_id()) WITH CHECK (id = app_tenant_id());
CREATE POLICY system_access ON tenants TO rapport_system USING (true) WITH CHECK (true);
CREATE TRIGGER tenants_touch BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Roles are the same for every tenant: what each may do is code, listed here for display
-- and for policies that need to know who is a manager or an admin.
CREATE TABLE roles (
    key         text PRIMARY KEY CHECK (key IN ('admin', 'manager', 'rep')),
    name        text NOT NULL,
    rank        smallint NOT NULL UNIQUE,
    permissions text[] NOT NULL
);
INSERT INTO roles (key, name, rank, permissions) VALUES
    ('admin', 'Admin', 30, ARRAY['records.read', 'records.write', 'records.delete', 'records.read_all',
        'pipeline.manage', 'team.read', 'analytics.read', 'users.manage', 'tenant.manage', 'sync.manage', 'security.read']),
    ('manager', 'Manager', 20, ARRAY['records.read', 'records.write', 'records.delete', 'team.read',
        'analytics.read']),
    ('rep', 'Sales rep', 10, ARRAY['records.read', 'records.write']);
GRANT SELECT ON roles TO rapport_app, rapport_system;

CREATE TABLE teams (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
ALTER TABLE teams ADD CONSTRAINT teams_tenant_id_key UNIQUE (tenant_id, id);
CREATE UNIQUE INDEX teams_tenant_name_key ON teams (tenant_id, lower(name)) WHERE deleted_at IS NULL;
SELECT rapport_enable_tenant_rls('teams');
CREATE TRIGGER teams_touch BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email              text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    name               text NOT NULL CHECK (length(btrim(name)) > 0),
    password_hash      text NOT NULL,
    role               text NOT NULL REFERENCES roles (key),
    team_id            bigint,
    manager_id         bigint,
    active             boolean NOT NULL DEFAULT true,
    time_zone          text,
    last_login_at      timestamptz,
    locked_until       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE users ADD CONSTRAINT users_tenant_id_key UNIQUE (tenant_id, id);
-- References between tenant tables are composite (tenant_id, id): a foreign key check is not
-- subject to row-level security, so a plain (id) reference could point into another tenant.
ALTER TABLE users ADD CONSTRAINT users_team_fk FOREIGN KEY (tenant_id, team_id)
    REFERENCES teams (tenant_id, id) ON DELETE SET NULL (team_id);
ALTER TABLE users ADD CONSTRAINT users_manager_fk FOREIGN KEY (tenant_id, manager_id)
    REFERENCES users (tenant_id, id) ON DELETE SET NULL (manager_id);
-- Sign-in is by email alone, before any tenant is known, so emails are unique across tenants.
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_tenant_idx ON users (tenant_id, lower(name));
CREATE INDEX users_tenant_team_idx ON users (tenant_id, team_id);
SELECT rapport_enable_tenant_rls('users');
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL,
    token_hash    bytea NOT NULL UNIQUE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    user_agent    text,
    ip            text,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_tenant_user_idx ON sessions (tenant_id, user_id, created_at DESC);
SELECT rapport_enable_tenant_rls('sessions');

-- Personal access tokens for /api. Shown once; only the SHA-256 is stored.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id       bigint NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    token_hash    bytea NOT NULL UNIQUE,
    token_prefix  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_tenant_user_idx ON api_tokens (tenant_id, user_id, created_at DESC);
SELECT rapport_enable_tenant_rls('api_tokens');

-- Sign-in successes and failures, lockouts, CSRF rejections, permission denials.
-- tenant_id is NULL when no tenant could be named (an unknown email, an anonymous form).
CREATE TABLE security_logs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint REFERENCES tenants (id) ON DELETE CASCADE,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    event       text NOT NULL CHECK (event IN ('login_success', 'login_failure', 'lockout',
                    'logout', 'csrf_rejected', 'permission_denied', 'api_token_created',
                    'api_token_revoked')),
    email       text,
    ip          text,
    user_agent  text,
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_logs_tenant_created_idx ON security_logs (tenant_id, created_at DESC, id DESC);
CREATE INDEX security_logs_failures_idx ON security_logs (tenant_id, user_id, created_at)
    WHERE event = 'login_failure';
SELECT rapport_enable_tenant_rls('security_logs');

-- Every mutation: who, what, on which record, the record before and after.
CREATE TABLE audit_logs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_id     bigint,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    bigint,
    before       jsonb,
    after        jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_id)
);
CREATE INDEX audit_logs_tenant_entity_idx ON audit_logs (tenant_id, entity_type, entity_id, created_at DESC);
CREATE INDEX audit_logs_tenant_created_idx ON audit_logs (tenant_id, created_at DESC, id DESC);
SELECT rapport_enable_tenant_rls('audit_logs');

-- Per-tenant counters for human-facing numbers (deal numbers, …).
CREATE TABLE record_sequences (
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL,
    last_value  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, name)
);
SELECT rapport_enable_tenant_rls('record_sequences');
