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
-- functions below read the linked tables under their own policies, so the rules compose.
-- There is no cycle: deals depend on nothing, companies/contacts/leads on deals (and deal
-- contacts, which depend on deals), dependents on the records.
--
-- Why PL/pgSQL functions rather than EXISTS subqueries in the policies: a policy's
-- subqueries are planned into every query on the table, recursively through the linked
-- tables' policies, which cost milliseconds of planning per query. A function call is
-- opaque to the planner, its inner plans are cached per connection, and it only runs for
-- rows the cheap checks before it did not already admit (never for those who see all).

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

-- Is the deal visible? (Deals' own policy decides.)
CREATE FUNCTION app_deal_visible(deal bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = app_tenant_id() AND d.id = deal);
END
$$;

-- Is the company the company of a live deal the user can see?
CREATE FUNCTION app_company_on_visible_deal(company bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = app_tenant_id() AND d.company_id = company AND d.deleted_at IS NULL);
END
$$;

-- Is the contact the primary contact of, or one of the contacts on, a live deal the user can see?
CREATE FUNCTION app_contact_on_visible_deal(contact bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = app_tenant_id() AND d.primary_contact_id = contact
                     AND d.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM deal_contacts dc
                   JOIN deals d ON d.tenant_id = dc.tenant_id AND d.id = dc.deal_id
                   WHERE dc.tenant_id = app_tenant_id() AND dc.contact_id = contact
                     AND d.deleted_at IS NULL);
END
$$;

-- Did the lead turn into a live deal the user can see?
CREATE FUNCTION app_lead_on_visible_deal(lead bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM deals d
                   WHERE d.tenant_id = app_tenant_id() AND d.lead_id = lead AND d.deleted_at IS NULL);
END
$$;

-- Is at least one of the linked records visible (or none linked at all)?
CREATE FUNCTION app_any_linked_record_visible(company bigint, contact bigint, deal bigint, lead bigint)
    RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    IF company IS NULL AND contact IS NULL AND deal IS NULL AND lead IS NULL THEN
        RETURN true;
    END IF;
    RETURN (contact IS NOT NULL AND EXISTS (SELECT 1 FROM contacts c WHERE c.tenant_id = app_tenant_id() AND c.id = contact))
        OR (deal IS NOT NULL AND EXISTS (SELECT 1 FROM deals d WHERE d.tenant_id = app_tenant_id() AND d.id = deal))
        OR (company IS NOT NULL AND EXISTS (SELECT 1 FROM companies c WHERE c.tenant_id = app_tenant_id() AND c.id = company))
        OR (lead IS NOT NULL AND EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = app_tenant_id() AND l.id = lead));
END
$$;

-- Attachments and taggings name their record by (entity_type, entity_id).
CREATE FUNCTION app_record_visible(entity text, record_id bigint) RETURNS boolean
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN CASE entity
        WHEN 'company' THEN EXISTS (SELECT 1 FROM companies WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'contact' THEN EXISTS (SELECT 1 FROM contacts WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'lead' THEN EXISTS (SELECT 1 FROM leads WHERE tenant_id = app_tenant_id() AND id = record_id)
        WHEN 'deal' THEN EXISTS (SELECT 1 FROM deals WHERE tenant_id = app_tenant_id() AND id = record_id)
        ELSE false
    END;
END
$$;

CREATE POLICY record_visibility ON deals AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[]));

CREATE POLICY record_visibility ON deal_contacts AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_deal_visible(deal_id));

CREATE POLICY record_visibility ON deal_stage_history AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_deal_visible(deal_id));

CREATE POLICY record_visibility ON companies AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR app_company_on_visible_deal(id));

CREATE POLICY record_visibility ON contacts AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR app_contact_on_visible_deal(id));

CREATE POLICY record_visibility ON leads AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[])
        OR app_lead_on_visible_deal(id));

CREATE POLICY record_visibility ON activities AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR app_any_linked_record_visible(company_id, contact_id, deal_id, lead_id));

CREATE POLICY record_visibility ON notes AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR app_any_linked_record_visible(company_id, contact_id, deal_id, lead_id));

CREATE POLICY record_visibility ON tasks AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR assignee_id = app_user_id()
        OR app_any_linked_record_visible(company_id, contact_id, deal_id, lead_id));

CREATE POLICY record_visibility ON attachments AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_record_visible(entity_type, entity_id));

CREATE POLICY record_visibility ON taggings AS RESTRICTIVE FOR ALL TO rapport_app
    USING ((SELECT app_sees_all_records()) OR app_record_visible(entity_type, entity_id));
