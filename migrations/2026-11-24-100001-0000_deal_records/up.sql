-- Deals, records half (issue 4): team members and line items. Most deal columns
-- (discount, tax, generated total, probability override, source, lead, competitors,
-- won/lost reasons, lost-to competitor) already exist in the crm_core migration.

CREATE TABLE deal_team_members (
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    deal_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, deal_id, user_id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_team_members_user_idx ON deal_team_members (tenant_id, user_id);
SELECT rapport_enable_tenant_rls('deal_team_members');

CREATE TABLE deal_line_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    deal_id           bigint NOT NULL,
    product           text NOT NULL CHECK (length(btrim(product)) > 0),
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    line_total_minor  bigint GENERATED ALWAYS AS (quantity::bigint * unit_price_minor) STORED,
    position          integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_line_items_deal_idx ON deal_line_items (tenant_id, deal_id, position, id);
SELECT rapport_enable_tenant_rls('deal_line_items');

-- Deal list: search by title (and number / company name through the list's search).
CREATE INDEX deals_tenant_title_idx ON deals (tenant_id, title, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_amount_idx ON deals (tenant_id, amount_minor, id) WHERE deleted_at IS NULL;
