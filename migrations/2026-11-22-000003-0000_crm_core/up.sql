-- The CRM core: companies, contacts, leads, pipelines, deals, the activity timeline, tasks,
-- notes, tags, attachments and custom fields.
--
-- Conventions: every table has tenant_id leading its indexes, row-level security through
-- rapport_enable_tenant_rls, and composite (tenant_id, id) foreign keys so a reference can
-- never cross tenants. User-deletable records are soft-deleted (deleted_at); merged records
-- keep merged_into_id. Money is bigint minor units plus a currency code.

CREATE TABLE companies (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id              bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                   text NOT NULL CHECK (length(btrim(name)) > 0),
    domain                 text,
    website                text,
    industry               text,
    size_band              text CHECK (size_band IN ('1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5000+')),
    employee_count         integer CHECK (employee_count >= 0),
    annual_revenue_minor   bigint CHECK (annual_revenue_minor >= 0),
    currency               text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    phone                  text,
    address_line1          text,
    address_line2          text,
    city                   text,
    region                 text,
    postal_code            text,
    country                text,
    description            text,
    owner_id               bigint,
    account_tier           text CHECK (account_tier IN ('strategic', 'enterprise', 'mid_market', 'smb')),
    is_target_account      boolean NOT NULL DEFAULT false,
    logo_url               text,
    custom_fields          jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_activity_at       timestamptz,
    external_source        text,
    external_id            text,
    created_by             bigint,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    deleted_at             timestamptz,
    merged_into_id         bigint,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (tenant_id, merged_into_id) REFERENCES companies (tenant_id, id)
);
CREATE INDEX companies_tenant_name_idx ON companies (tenant_id, lower(name), id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_updated_idx ON companies (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_owner_idx ON companies (tenant_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_domain_idx ON companies (tenant_id, lower(domain)) WHERE domain IS NOT NULL;
CREATE UNIQUE INDEX companies_tenant_external_key ON companies (tenant_id, external_source, external_id)
    WHERE external_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('companies');
CREATE TRIGGER companies_touch BEFORE UPDATE ON companies FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE contacts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id          bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    company_id         bigint,
    first_name         text NOT NULL DEFAULT '',
    last_name          text NOT NULL DEFAULT '',
    email              text,
    additional_emails  text[] NOT NULL DEFAULT '{}',
    phone              text,
    phone_e164         text,
    mobile             text,
    mobile_e164        text,
    title              text,
    department         text,
    owner_id           bigint,
    status             text NOT NULL DEFAULT 'new'
                           CHECK (status IN ('new', 'contacted', 'qualified', 'unqualified', 'customer', 'inactive')),
    source             text CHECK (source IN ('website', 'referral', 'linkedin', 'cold_email', 'trade_show',
                           'social_media', 'other')),
    address_line1      text,
    address_line2      text,
    city               text,
    region             text,
    postal_code        text,
    country            text,
    linkedin_url       text,
    twitter_handle     text,
    email_opt_in       boolean NOT NULL DEFAULT false,
    sms_opt_in         boolean NOT NULL DEFAULT false,
    do_not_call        boolean NOT NULL DEFAULT false,
    birthday           date,
    custom_fields      jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_activity_at   timestamptz,
    external_source    text,
    external_id        text,
    created_by         bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    merged_into_id     bigint,
    CHECK (length(btrim(first_name || last_name)) > 0 OR email IS NOT NULL),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (tenant_id, merged_into_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX contacts_tenant_name_idx ON contacts (tenant_id, lower(last_name), lower(first_name), id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_updated_idx ON contacts (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_company_idx ON contacts (tenant_id, company_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_owner_idx ON contacts (tenant_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_email_idx ON contacts (tenant_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX contacts_tenant_phone_idx ON contacts (tenant_id, phone_e164) WHERE phone_e164 IS NOT NULL;
CREATE INDEX contacts_tenant_mobile_idx ON contacts (tenant_id, mobile_e164) WHERE mobile_e164 IS NOT NULL;
CREATE UNIQUE INDEX contacts_tenant_external_key ON contacts (tenant_id, external_source, external_id)
    WHERE external_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('contacts');
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE pipelines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(btrim(name)) > 0),
    is_default   boolean NOT NULL DEFAULT false,
    position     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    archived_at  timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX pipelines_one_default_key ON pipelines (tenant_id) WHERE is_default AND archived_at IS NULL;
CREATE UNIQUE INDEX pipelines_tenant_name_key ON pipelines (tenant_id, lower(name)) WHERE archived_at IS NULL;
SELECT rapport_enable_tenant_rls('pipelines');
CREATE TRIGGER pipelines_touch BEFORE UPDATE ON pipelines FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE pipeline_stages (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id            bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    pipeline_id          bigint NOT NULL,
    name                 text NOT NULL CHECK (length(btrim(name)) > 0),
    position             integer NOT NULL,
    probability          smallint NOT NULL CHECK (probability BETWEEN 0 AND 100),
    colour               text NOT NULL DEFAULT '#6B7280' CHECK (colour ~ '^#[0-9A-Fa-f]{6}$'),
    days_in_stage_alert  integer CHECK (days_in_stage_alert > 0),
    is_closed_won        boolean NOT NULL DEFAULT false,
    is_closed_lost       boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    archived_at          timestamptz,
    CHECK (NOT (is_closed_won AND is_closed_lost)),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX pipeline_stages_pipeline_idx ON pipeline_stages (tenant_id, pipeline_id, position);
-- At most one won and one lost stage per pipeline; the app keeps "at least one".
CREATE UNIQUE INDEX pipeline_stages_one_won_key ON pipeline_stages (tenant_id, pipeline_id)
    WHERE is_closed_won AND archived_at IS NULL;
CREATE UNIQUE INDEX pipeline_stages_one_lost_key ON pipeline_stages (tenant_id, pipeline_id)
    WHERE is_closed_lost AND archived_at IS NULL;
SELECT rapport_enable_tenant_rls('pipeline_stages');
CREATE TRIGGER pipeline_stages_touch BEFORE UPDATE ON pipeline_stages FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE leads (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id             bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    first_name            text NOT NULL DEFAULT '',
    last_name             text NOT NULL DEFAULT '',
    company_name          text,
    email                 text,
    phone                 text,
    phone_e164            text,
    title                 text,
    source                text,
    campaign              text,
    medium                text,
    referrer              text,
    status                text NOT NULL DEFAULT 'new'
                              CHECK (status IN ('new', 'working', 'nurturing', 'qualified', 'disqualified', 'converted')),
    rating                text CHECK (rating IN ('hot', 'warm', 'cold')),
    score                 integer NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    budget                text,
    authority             text,
    need                  text,
    timeline              text,
    owner_id              bigint,
    disqualified_reason   text,
    disqualified_by       bigint,
    disqualified_at       timestamptz,
    converted_at          timestamptz,
    converted_by          bigint,
    converted_company_id  bigint,
    converted_contact_id  bigint,
    converted_deal_id     bigint,
    custom_fields         jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_activity_at      timestamptz,
    external_source       text,
    external_id           text,
    created_by            bigint,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    CHECK (length(btrim(first_name || last_name)) > 0 OR email IS NOT NULL OR company_name IS NOT NULL),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (tenant_id, disqualified_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (disqualified_by),
    FOREIGN KEY (tenant_id, converted_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (converted_by),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (tenant_id, converted_company_id) REFERENCES companies (tenant_id, id),
    FOREIGN KEY (tenant_id, converted_contact_id) REFERENCES contacts (tenant_id, id)
);
CREATE INDEX leads_tenant_created_idx ON leads (tenant_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX leads_tenant_status_idx ON leads (tenant_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_tenant_owner_idx ON leads (tenant_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_tenant_email_idx ON leads (tenant_id, lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX leads_tenant_external_key ON leads (tenant_id, external_source, external_id)
    WHERE external_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('leads');
CREATE TRIGGER leads_touch BEFORE UPDATE ON leads FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE deals (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id             bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    deal_number           bigint NOT NULL,
    title                 text NOT NULL CHECK (length(btrim(title)) > 0),
    company_id            bigint,
    primary_contact_id    bigint,
    pipeline_id           bigint NOT NULL,
    stage_id              bigint NOT NULL,
    status                text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'abandoned')),
    amount_minor          bigint NOT NULL DEFAULT 0 CHECK (amount_minor >= 0),
    currency              text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    discount_minor        bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    tax_minor             bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    total_minor           bigint GENERATED ALWAYS AS (amount_minor - discount_minor + tax_minor) STORED,
    probability           smallint NOT NULL CHECK (probability BETWEEN 0 AND 100),
    -- false while probability follows the stage's default; true once a person set it.
    probability_overridden boolean NOT NULL DEFAULT false,
    expected_close_date   date,
    actual_close_date     date,
    stage_entered_at      timestamptz NOT NULL DEFAULT now(),
    owner_id              bigint,
    source                text,
    lead_id               bigint,
    competitors           text[] NOT NULL DEFAULT '{}',
    won_reason            text,
    lost_reason           text,
    lost_to_competitor    text,
    custom_fields         jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_activity_at      timestamptz,
    external_source       text,
    external_id           text,
    created_by            bigint,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz,
    merged_into_id        bigint,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, deal_number),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    FOREIGN KEY (tenant_id, primary_contact_id) REFERENCES contacts (tenant_id, id) ON DELETE SET NULL (primary_contact_id),
    FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipelines (tenant_id, id),
    FOREIGN KEY (tenant_id, stage_id) REFERENCES pipeline_stages (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (owner_id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE SET NULL (lead_id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by),
    FOREIGN KEY (tenant_id, merged_into_id) REFERENCES deals (tenant_id, id)
);
ALTER TABLE leads ADD FOREIGN KEY (tenant_id, converted_deal_id) REFERENCES deals (tenant_id, id);
CREATE INDEX deals_tenant_updated_idx ON deals (tenant_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_stage_idx ON deals (tenant_id, stage_id, stage_entered_at, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_open_idx ON deals (tenant_id, pipeline_id, stage_id, id)
    WHERE deleted_at IS NULL AND status = 'open';
CREATE INDEX deals_tenant_owner_idx ON deals (tenant_id, owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_company_idx ON deals (tenant_id, company_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_contact_idx ON deals (tenant_id, primary_contact_id, id) WHERE deleted_at IS NULL;
CREATE INDEX deals_tenant_close_idx ON deals (tenant_id, expected_close_date, id) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX deals_tenant_external_key ON deals (tenant_id, external_source, external_id)
    WHERE external_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('deals');
CREATE TRIGGER deals_touch BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE deal_contacts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    deal_id          bigint NOT NULL,
    contact_id       bigint NOT NULL,
    role             text NOT NULL DEFAULT 'user'
                         CHECK (role IN ('decision_maker', 'influencer', 'champion', 'gatekeeper', 'user')),
    influence_level  smallint CHECK (influence_level BETWEEN 1 AND 5),
    is_champion      boolean NOT NULL DEFAULT false,
    created_by       bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, deal_id, contact_id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX deal_contacts_contact_idx ON deal_contacts (tenant_id, contact_id);
SELECT rapport_enable_tenant_rls('deal_contacts');

CREATE TABLE deal_stage_history (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    deal_id           bigint NOT NULL,
    from_stage_id     bigint,
    to_stage_id       bigint NOT NULL,
    changed_at        timestamptz NOT NULL DEFAULT now(),
    changed_by        bigint,
    -- Seconds the deal spent in from_stage; NULL for the first entry (deal creation).
    duration_seconds  bigint CHECK (duration_seconds >= 0),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, from_stage_id) REFERENCES pipeline_stages (tenant_id, id),
    FOREIGN KEY (tenant_id, to_stage_id) REFERENCES pipeline_stages (tenant_id, id),
    FOREIGN KEY (tenant_id, changed_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (changed_by)
);
CREATE INDEX deal_stage_history_deal_idx ON deal_stage_history (tenant_id, deal_id, changed_at, id);
CREATE INDEX deal_stage_history_from_idx ON deal_stage_history (tenant_id, from_stage_id, changed_at);
SELECT rapport_enable_tenant_rls('deal_stage_history');

-- The unified timeline. Written only through domain::activities::log_activity.
CREATE TABLE activities (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id         bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    activity_type     text NOT NULL CHECK (activity_type IN (
                          'note', 'task_created', 'task_completed', 'call_logged', 'meeting', 'visit',
                          'card_scan', 'document', 'email_sent', 'email_received', 'call_inbound',
                          'call_outbound', 'call_missed', 'deal_created', 'deal_stage_change', 'deal_won',
                          'deal_lost', 'contact_created', 'company_created', 'lead_converted', 'merge')),
    title             text NOT NULL,
    description       text,
    content           text,
    direction         text CHECK (direction IN ('inbound', 'outbound')),
    duration_seconds  integer CHECK (duration_seconds >= 0),
    participants      jsonb NOT NULL DEFAULT '[]'::jsonb,
    occurred_at       timestamptz NOT NULL,
    user_id           bigint,
    contact_id        bigint,
    company_id        bigint,
    deal_id           bigint,
    lead_id           bigint,
    external_source   text,
    external_id       text,
    external_url      text,
    extra             jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz,
    CHECK ((external_source IS NULL) = (external_id IS NULL)),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (user_id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE SET NULL (contact_id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE SET NULL (deal_id),
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE SET NULL (lead_id)
);
CREATE INDEX activities_tenant_time_idx ON activities (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX activities_contact_time_idx ON activities (tenant_id, contact_id, occurred_at DESC, id DESC)
    WHERE contact_id IS NOT NULL;
CREATE INDEX activities_company_time_idx ON activities (tenant_id, company_id, occurred_at DESC, id DESC)
    WHERE company_id IS NOT NULL;
CREATE INDEX activities_deal_time_idx ON activities (tenant_id, deal_id, occurred_at DESC, id DESC)
    WHERE deal_id IS NOT NULL;
CREATE INDEX activities_lead_time_idx ON activities (tenant_id, lead_id, occurred_at DESC, id DESC)
    WHERE lead_id IS NOT NULL;
CREATE UNIQUE INDEX activities_external_key ON activities (tenant_id, external_source, external_id)
    WHERE external_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('activities');
CREATE TRIGGER activities_touch BEFORE UPDATE ON activities FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE tasks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subject         text NOT NULL CHECK (length(btrim(subject)) > 0),
    description     text,
    due_at          timestamptz,
    reminder_at     timestamptz,
    priority        text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    assignee_id     bigint,
    company_id      bigint,
    contact_id      bigint,
    deal_id         bigint,
    lead_id         bigint,
    parent_task_id  bigint,
    completed_at    timestamptz,
    completed_by    bigint,
    -- Set by automations (e.g. "stale deal follow-up") so a rerun never makes a second task.
    source_key      text,
    created_by      bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (assignee_id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_task_id) REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, completed_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (completed_by),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX tasks_assignee_open_idx ON tasks (tenant_id, assignee_id, due_at, id)
    WHERE deleted_at IS NULL AND status IN ('open', 'in_progress');
CREATE INDEX tasks_company_idx ON tasks (tenant_id, company_id) WHERE company_id IS NOT NULL;
CREATE INDEX tasks_contact_idx ON tasks (tenant_id, contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX tasks_deal_idx ON tasks (tenant_id, deal_id) WHERE deal_id IS NOT NULL;
CREATE INDEX tasks_lead_idx ON tasks (tenant_id, lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX tasks_parent_idx ON tasks (tenant_id, parent_task_id) WHERE parent_task_id IS NOT NULL;
CREATE UNIQUE INDEX tasks_source_key ON tasks (tenant_id, source_key) WHERE source_key IS NOT NULL;
SELECT rapport_enable_tenant_rls('tasks');
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    title       text,
    body        text NOT NULL CHECK (length(btrim(body)) > 0),
    pinned      boolean NOT NULL DEFAULT false,
    author_id   bigint,
    company_id  bigint,
    contact_id  bigint,
    deal_id     bigint,
    lead_id     bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (author_id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notes_company_idx ON notes (tenant_id, company_id, pinned DESC, created_at DESC) WHERE company_id IS NOT NULL;
CREATE INDEX notes_contact_idx ON notes (tenant_id, contact_id, pinned DESC, created_at DESC) WHERE contact_id IS NOT NULL;
CREATE INDEX notes_deal_idx ON notes (tenant_id, deal_id, pinned DESC, created_at DESC) WHERE deal_id IS NOT NULL;
CREATE INDEX notes_lead_idx ON notes (tenant_id, lead_id, pinned DESC, created_at DESC) WHERE lead_id IS NOT NULL;
SELECT rapport_enable_tenant_rls('notes');
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE tags (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
    colour      text NOT NULL DEFAULT '#6B7280' CHECK (colour ~ '^#[0-9A-Fa-f]{6}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX tags_tenant_name_key ON tags (tenant_id, lower(name)) WHERE deleted_at IS NULL;
SELECT rapport_enable_tenant_rls('tags');
CREATE TRIGGER tags_touch BEFORE UPDATE ON tags FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

CREATE TABLE taggings (
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    tag_id       bigint NOT NULL,
    entity_type  text NOT NULL CHECK (entity_type IN ('company', 'contact', 'lead', 'deal')),
    entity_id    bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tag_id, entity_type, entity_id),
    FOREIGN KEY (tenant_id, tag_id) REFERENCES tags (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX taggings_entity_idx ON taggings (tenant_id, entity_type, entity_id);
SELECT rapport_enable_tenant_rls('taggings');

CREATE TABLE attachments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entity_type   text NOT NULL CHECK (entity_type IN ('company', 'contact', 'lead', 'deal')),
    entity_id     bigint NOT NULL,
    file_name     text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    content_type  text NOT NULL,
    byte_size     bigint NOT NULL CHECK (byte_size >= 0),
    storage_key   text NOT NULL,
    sha256        text NOT NULL,
    uploaded_by   bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, uploaded_by) REFERENCES users (tenant_id, id) ON DELETE SET NULL (uploaded_by)
);
CREATE INDEX attachments_entity_idx ON attachments (tenant_id, entity_type, entity_id, created_at DESC);
SELECT rapport_enable_tenant_rls('attachments');

CREATE TABLE custom_field_definitions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    entity_type  text NOT NULL CHECK (entity_type IN ('company', 'contact', 'lead', 'deal')),
    key          text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    label        text NOT NULL CHECK (length(btrim(label)) > 0),
    field_type   text NOT NULL CHECK (field_type IN ('text', 'number', 'date', 'select', 'multi_select',
                     'checkbox', 'url')),
    options      jsonb NOT NULL DEFAULT '[]'::jsonb,
    required     boolean NOT NULL DEFAULT false,
    position     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    archived_at  timestamptz,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, entity_type, key)
);
SELECT rapport_enable_tenant_rls('custom_field_definitions');
CREATE TRIGGER custom_field_definitions_touch BEFORE UPDATE ON custom_field_definitions
    FOR EACH ROW EXECUTE FUNCTION rapport_touch_updated_at();

-- Every new tenant starts with the default sales pipeline, whichever path created it.
CREATE FUNCTION rapport_create_default_pipeline() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    new_pipeline_id bigint;
BEGIN
    INSERT INTO pipelines (tenant_id, name, is_default, position)
        VALUES (NEW.id, 'Sales', true, 0)
        RETURNING id INTO new_pipeline_id;
    INSERT INTO pipeline_stages
        (tenant_id, pipeline_id, name, position, probability, days_in_stage_alert, colour, is_closed_won, is_closed_lost)
    VALUES
        (NEW.id, new_pipeline_id, 'Prospecting',   1,  10, 30,   '#6B7280', false, false),
        (NEW.id, new_pipeline_id, 'Qualification', 2,  25, 21,   '#3B82F6', false, false),
        (NEW.id, new_pipeline_id, 'Proposal',      3,  50, 14,   '#8B5CF6', false, false),
        (NEW.id, new_pipeline_id, 'Negotiation',   4,  75, 7,    '#F59E0B', false, false),
        (NEW.id, new_pipeline_id, 'Closed Won',    5, 100, NULL, '#10B981', true,  false),
        (NEW.id, new_pipeline_id, 'Closed Lost',   6,   0, NULL, '#EF4444', false, true);
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_default_pipeline AFTER INSERT ON tenants
    FOR EACH ROW EXECUTE FUNCTION rapport_create_default_pipeline();
