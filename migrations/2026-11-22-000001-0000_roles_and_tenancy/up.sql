-- Roles and the tenancy machinery every tenant table uses.
--
-- rapport_app:    the role web requests and tenant-scoped jobs run as (SET ROLE). It has no
--                 BYPASSRLS; it sees only rows of the tenant named by `app.tenant_id`.
-- rapport_system: the role for the few legitimately cross-tenant paths (sign-in lookup,
--                 session lookup, the job queue, tenant creation, seeding). It is granted a
--                 permissive policy on every tenant table, explicitly.
-- The role that runs migrations owns the tables and is a member of both, so it can SET ROLE.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rapport_app') THEN
        CREATE ROLE rapport_app NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rapport_system') THEN
        CREATE ROLE rapport_system NOLOGIN NOBYPASSRLS;
    END IF;
    IF NOT pg_has_role(current_user, 'rapport_app', 'MEMBER') THEN
        EXECUTE format('GRANT rapport_app TO %I', current_user);
    END IF;
    IF NOT pg_has_role(current_user, 'rapport_system', 'MEMBER') THEN
        EXECUTE format('GRANT rapport_system TO %I', current_user);
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO rapport_app, rapport_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO rapport_app, rapport_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO rapport_app, rapport_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO rapport_app, rapport_system;

-- The request's tenant, user and role, set per transaction with set_config(..., true).
-- An unset or empty setting yields NULL, and `tenant_id = NULL` matches no row.
CREATE FUNCTION app_tenant_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;

CREATE FUNCTION app_user_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::bigint $$;

CREATE FUNCTION app_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.role', true), '') $$;

-- Turns on row-level security for a tenant table: forced (owners obey it too), a tenant
-- isolation policy for rapport_app and an explicit system policy for rapport_system.
-- Every migration that adds a table with a tenant_id calls this; a test checks it did.
CREATE FUNCTION rapport_enable_tenant_rls(target regclass) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s TO rapport_app '
        'USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
        target);
    EXECUTE format(
        'CREATE POLICY system_access ON %s TO rapport_system USING (true) WITH CHECK (true)',
        target);
END
$$;

-- Keeps updated_at honest without every query remembering it. Only real edits count: an
-- update that changes nothing, or only the timeline bookkeeping column last_activity_at,
-- leaves updated_at alone.
CREATE FUNCTION rapport_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - 'updated_at' - 'last_activity_at')
        IS DISTINCT FROM (to_jsonb(OLD) - 'updated_at' - 'last_activity_at') THEN
        NEW.updated_at := now();
    ELSE
        NEW.updated_at := OLD.updated_at;
    END IF;
    RETURN NEW;
END
$$;
