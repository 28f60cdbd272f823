-- Record visibility: who inside a tenant sees which companies, contacts, leads and deals,
-- and everything hanging off them. Enforced here, as RESTRICTIVE policies for rapport_app
-- on top of tenant isolation, so every list, count, search, export, API answer and graph
-- obeys it without the application remembering to.
--
-- tenants.record_visibility:
--   all   everyone in the tenant sees every record;
--   team  a user sees records owned by anyone in their team;
--   own   a rep sees records they own;
-- and in every mode a record linked to a deal the user can see is visible too (the
-- deal's company, primary contact, deal contacts and lead). Managers see their team's
-- records in `team` and `own` mode; admins (and Rapport's own background work, which
-- runs without a user) see everything.
--
-- Records without an owner are visible only to those who see everything.
--
-- Dependent rows (activities, notes, tasks, attachments, taggings, deal contacts, stage
-- history) follow their records: activities, notes and tasks are visible when at least
-- one record they are linked to is visible (or they are linked to none; a task is always
-- visible to its assignee); the others when their one record is visible. The subqueries
-- below read the linked tables under their own policies, so the rules compose. There is
-- no cycle: deals depend on nothing, companies/contacts/leads on deals (and deal
-- contacts, which depend on deals), dependents on the records.

CREATE OR REPLACE FUNCTION app_team_id() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.team_id', true), '')::bigint $$;

-- The tenant's mode; 'all' when unknown.
CREATE FUNCTION app_record_visibility() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce((SELECT record_visibility FROM tenants WHERE id = app_tenant_id()), 'all') $$;

-- True when the current scope sees every record of the tenant. Policies call it as
-- `(SELECT app_sees_all_records())`, so it runs once per query, not once per row.
CREATE FUNCTION app_sees_all_records() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_user_id() IS NULL OR app_role() = 'admin' OR app_record_visibility() = 'all' $$;

-- Owners whose records the current user sees when not seeing everything: themselves, and
-- their team's members unless the tenant is in `own` mode and they are a rep.
CREATE FUNCTION app_visible_owner_ids() RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE
        WHEN app_user_id() IS NULL THEN ARRAY[]::bigint[]
        WHEN app_record_visibility() = 'own' AND app_role() = 'rep' OR app_team_id() IS NULL
            THEN ARRAY[app_user_id()]
        ELSE array_append(ARRAY(
            SELECT u.id FROM users u WHERE u.tenant_id = app_tenant_id() AND u.team_id = app_team_id()
        ), app_user_id())
    END
    $$;

CREATE POLICY record_visibility ON deals AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[]));

CREATE POLICY record_visibility ON deal_contacts AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = deal_contacts.tenant_id AND d.id = deal_contacts.deal_id));

CREATE POLICY record_visibility ON deal_stage_history AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = deal_stage_history.tenant_id AND d.id = deal_stage_history.deal_id));

CREATE POLICY record_visibility ON companies AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = companies.tenant_id AND d.company_id = companies.id
                     AND d.deleted_at IS NULL));

CREATE POLICY record_visibility ON contacts AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = contacts.tenant_id AND d.primary_contact_id = contacts.id
                     AND d.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM deal_contacts dc
                   WHERE dc.tenant_id = contacts.tenant_id AND dc.contact_id = contacts.id));

CREATE POLICY record_visibility ON leads AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = leads.tenant_id AND d.lead_id = leads.id
                     AND d.deleted_at IS NULL));

CREATE POLICY record_visibility ON activities AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR (company_id IS NULL AND contact_id IS NULL AND deal_id IS NULL AND lead_id IS NULL)
        OR EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = activities.tenant_id AND c.id = activities.contact_id)
        OR EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = activities.tenant_id AND d.id = activities.deal_id)
        OR EXISTS (SELECT 1 FROM companies c WHERE c.tenant_id = activities.tenant_id AND c.id = activities.company_id)
        OR EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = activities.tenant_id AND l.id = activities.lead_id));

CREATE POLICY record_visibility ON notes AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR (company_id IS NULL AND contact_id IS NULL AND deal_id IS NULL AND lead_id IS NULL)
        OR EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = notes.tenant_id AND c.id = notes.contact_id)
        OR EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = notes.tenant_id AND d.id = notes.deal_id)
        OR EXISTS (SELECT 1 FROM companies c WHERE c.tenant_id = notes.tenant_id AND c.id = notes.company_id)
        OR EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = notes.tenant_id AND l.id = notes.lead_id));

CREATE POLICY record_visibility ON tasks AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR assignee_id = app_user_id()
        OR (company_id IS NULL AND contact_id IS NULL AND deal_id IS NULL AND lead_id IS NULL)
        OR EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = tasks.tenant_id AND c.id = tasks.contact_id)
        OR EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = tasks.tenant_id AND d.id = tasks.deal_id)
        OR EXISTS (SELECT 1 FROM companies c WHERE c.tenant_id = tasks.tenant_id AND c.id = tasks.company_id)
        OR EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = tasks.tenant_id AND l.id = tasks.lead_id));

-- Attachments and taggings name their record by (entity_type, entity_id).
CREATE FUNCTION app_record_visible(entity text, record_id bigint) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT CASE entity
        WHEN 'company' THEN EXISTS (SELECT 1 FROM companies WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'contact' THEN EXISTS (SELECT 1 FROM contacts WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'lead' THEN EXISTS (SELECT 1 FROM leads WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'deal' THEN EXISTS (SELECT 1 FROM deals WHERE tenant_id = app_tenant_id() AND id = record_id)
        ELSE false
    END
    $$;

CREATE POLICY record_visibility ON attachments AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_record_visible(entity_type, entity_id));

CREATE POLICY record_visibility ON taggings AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_record_visible(entity_type, entity_id));
