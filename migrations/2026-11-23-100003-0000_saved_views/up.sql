-- Saved list views, undo for bulk actions, and what a lead conversion did (for its undo).

-- A named list view: the list's query string (filters, sort, columns). Private to its
-- owner unless shared with the tenant.
CREATE TABLE saved_views (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entity_type  text NOT NULL CHECK (entity_type IN ('company', 'contact', 'lead', 'deal')),
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
    owner_id     bigint NOT NULL,
    shared       boolean NOT NULL DEFAULT false,
    query        text NOT NULL CHECK (length(query) <= 4000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX saved_views_tenant_entity_idx ON saved_views (tenant_id, entity_type, lower(name), id);
SELECT rapport_enable_tenant_rls('saved_views');
CREATE TRIGGER saved_views_touch BEFORE UPDATE ON saved_views FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();
-- Shared views are read by everyone in the tenant; only the owner (or an admin) changes one.
CREATE POLICY saved_view_access ON saved_views AS RESTRICTIVE FOR SELECT TO rapport_app
    USING (shared OR owner_id = app_user_id() OR app_user_id() IS NULL);
CREATE POLICY saved_view_insert ON saved_views AS RESTRICTIVE FOR INSERT TO rapport_app
    WITH CHECK (owner_id = app_user_id());
CREATE POLICY saved_view_update ON saved_views AS RESTRICTIVE FOR UPDATE TO rapport_app
    USING (owner_id = app_user_id() OR app_role() = 'admin');
CREATE POLICY saved_view_delete ON saved_views AS RESTRICTIVE FOR DELETE TO rapport_app
    USING (owner_id = app_user_id() OR app_role() = 'admin');

-- A bulk action over many records, kept so it can be undone (bulk soft delete).
CREATE TABLE bulk_operations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entity_type  text NOT NULL CHECK (entity_type IN ('company', 'contact', 'lead', 'deal')),
    action       text NOT NULL,
    record_ids   bigint[] NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    actor_id     bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    undone_at    timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_id)
);
CREATE INDEX bulk_operations_tenant_created_idx ON bulk_operations (tenant_id, created_at DESC);
SELECT rapport_enable_tenant_rls('bulk_operations');
-- Only the person who ran a bulk action (or an admin) may see or undo it.
CREATE POLICY bulk_operation_owner ON bulk_operations AS RESTRICTIVE FOR ALL TO rapport_app
    USING (actor_id = app_user_id() OR app_user_id() IS NULL OR app_role() = 'admin');

-- What a conversion created and what it reused, so "Undo conversion" removes exactly what
-- it made and puts the lead back as it was.
ALTER TABLE leads ADD COLUMN conversion_detail jsonb;
