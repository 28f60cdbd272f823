DROP FUNCTION IF EXISTS rapport_touch_updated_at();
DROP FUNCTION IF EXISTS rapport_enable_tenant_rls(regclass);
DROP FUNCTION IF EXISTS app_role();
DROP FUNCTION IF EXISTS app_user_id();
DROP FUNCTION IF EXISTS app_tenant_id();
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE EXECUTE ON FUNCTIONS FROM rapport_app, rapport_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM rapport_app, rapport_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM rapport_app, rapport_system;
REVOKE USAGE ON SCHEMA public FROM rapport_app, rapport_system;
-- The cluster-wide roles stay: other databases on the same server may still use them.
