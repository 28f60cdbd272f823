-- Search and sort support for the record lists (companies, contacts, leads) and the
-- command palette (which also finds deals).
--
-- Row-level security and indexes: a query's own conditions may only drive an index when
-- they are leakproof (plain comparisons of plain columns). `lower(name) > $1` is not, so it
-- would run as a filter after a scan from the start. The lists therefore sort and page on
-- stored, normalised key columns (name_key, email_key, domain_key) compared with plain
-- operators, and search goes through rapport_search_records(), which matches trigrams on a
-- stored search_text column without row-level security getting in the way (see below).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

ALTER TABLE companies
    ADD COLUMN name_key text GENERATED ALWAYS AS (lower(btrim(name))) STORED,
    ADD COLUMN domain_key text GENERATED ALWAYS AS (lower(btrim(domain))) STORED,
    ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
        name || ' ' || coalesce(domain, '') || ' '
        || coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), ''))) STORED;

ALTER TABLE contacts
    ADD COLUMN name_key text GENERATED ALWAYS AS (lower(CASE
        WHEN btrim(first_name || last_name) = '' THEN coalesce(email, '')
        ELSE btrim(btrim(first_name) || ' ' || btrim(last_name)) END)) STORED,
    ADD COLUMN email_key text GENERATED ALWAYS AS (lower(btrim(email))) STORED,
    ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
        first_name || ' ' || last_name || ' ' || coalesce(email, '') || ' '
        || coalesce(phone_e164, '') || ' ' || coalesce(mobile_e164, ''))) STORED;

ALTER TABLE leads
    ADD COLUMN name_key text GENERATED ALWAYS AS (lower(CASE
        WHEN btrim(first_name || last_name) <> '' THEN btrim(btrim(first_name) || ' ' || btrim(last_name))
        WHEN email IS NOT NULL THEN email
        ELSE coalesce(company_name, '') END)) STORED,
    ADD COLUMN email_key text GENERATED ALWAYS AS (lower(btrim(email))) STORED,
    ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
        first_name || ' ' || last_name || ' ' || coalesce(company_name, '') || ' '
        || coalesce(email, '') || ' ' || coalesce(phone_e164, ''))) STORED;

ALTER TABLE deals
    ADD COLUMN search_text text GENERATED ALWAYS AS (lower(title)) STORED;

-- Sort and keyset indexes (tenant first, the sort key, then id as the tie-breaker).
CREATE INDEX companies_tenant_name_key_idx ON companies (tenant_id, name_key, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_domain_key_idx ON companies (tenant_id, domain_key) WHERE domain_key IS NOT NULL;
CREATE INDEX companies_tenant_created_idx ON companies (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_last_activity_idx ON companies (tenant_id, last_activity_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_city_idx ON companies (tenant_id, city, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_industry_idx ON companies (tenant_id, industry, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_tenant_deleted_idx ON companies (tenant_id, deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX companies_search_idx ON companies USING gin (tenant_id, search_text gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE INDEX contacts_tenant_name_key_idx ON contacts (tenant_id, name_key, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_email_key_idx ON contacts (tenant_id, email_key) WHERE email_key IS NOT NULL;
CREATE INDEX contacts_tenant_created_idx ON contacts (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_last_activity_idx ON contacts (tenant_id, last_activity_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_status_idx ON contacts (tenant_id, status, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_tenant_deleted_idx ON contacts (tenant_id, deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_search_idx ON contacts USING gin (tenant_id, search_text gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE INDEX leads_tenant_name_key_idx ON leads (tenant_id, name_key, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_tenant_email_key_idx ON leads (tenant_id, email_key) WHERE email_key IS NOT NULL;
CREATE INDEX leads_tenant_updated_idx ON leads (tenant_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_tenant_deleted_idx ON leads (tenant_id, deleted_at, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX leads_search_idx ON leads USING gin (tenant_id, search_text gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE INDEX deals_search_idx ON deals USING gin (tenant_id, search_text gin_trgm_ops) WHERE deleted_at IS NULL;
-- Record visibility follows deals to their lead (see the visibility migration).
CREATE INDEX deals_tenant_lead_idx ON deals (tenant_id, lead_id) WHERE lead_id IS NOT NULL AND deleted_at IS NULL;

-- Finds the ids of live companies, contacts, leads or deals of the current tenant whose
-- name, email, phone or domain matches `query`: a substring match, or a close word match
-- (typo tolerance, pg_trgm word similarity). Best matches first, at most `max_rows`.
--
-- Why SECURITY DEFINER owned by rapport_system: under row-level security, trigram
-- operators (not leakproof) cannot use the GIN index for rapport_app and every search would
-- scan the tenant. rapport_system has only a `USING (true)` policy, so the index works.
-- The function filters on app_tenant_id() itself and returns only ids; callers select the
-- rows by id as rapport_app, so tenant isolation and record visibility still decide what
-- anyone sees.
CREATE FUNCTION rapport_search_records(entity text, query text, max_rows integer)
    RETURNS TABLE (id bigint, rank real)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    tenant bigint := app_tenant_id();
    q text := lower(btrim(coalesce(query, '')));
    digits text := regexp_replace(coalesce(query, ''), '[^0-9]', '', 'g');
    pattern text;
    prefix text;
BEGIN
    IF tenant IS NULL OR q = '' OR max_rows < 1 THEN
        RETURN;
    END IF;
    -- A phone number typed with spaces, dashes or brackets matches on its digits.
    IF length(digits) >= 3 AND q ~ '^[0-9 +().-]+$' THEN
        q := digits;
    END IF;
    prefix := replace(replace(replace(q, '\', '\\'), '%', '\%'), '_', '\_');
    pattern := '%' || prefix || '%';
    prefix := prefix || '%';
    IF length(q) < 3 THEN
        -- Too short for trigrams: names that start with it.
        IF entity = 'company' THEN
            RETURN QUERY SELECT c.id, 1::real FROM companies c
                WHERE c.tenant_id = tenant AND c.deleted_at IS NULL
                  AND c.name_key >= q AND c.name_key < q || chr(1114111)
                ORDER BY c.name_key, c.id LIMIT max_rows;
        ELSIF entity = 'contact' THEN
            RETURN QUERY SELECT c.id, 1::real FROM contacts c
                WHERE c.tenant_id = tenant AND c.deleted_at IS NULL
                  AND c.name_key >= q AND c.name_key < q || chr(1114111)
                ORDER BY c.name_key, c.id LIMIT max_rows;
        ELSIF entity = 'lead' THEN
            RETURN QUERY SELECT l.id, 1::real FROM leads l
                WHERE l.tenant_id = tenant AND l.deleted_at IS NULL
                  AND l.name_key >= q AND l.name_key < q || chr(1114111)
                ORDER BY l.name_key, l.id LIMIT max_rows;
        ELSIF entity = 'deal' THEN
            RETURN QUERY SELECT d.id, 1::real FROM deals d
                WHERE d.tenant_id = tenant AND d.deleted_at IS NULL AND d.search_text LIKE prefix
                ORDER BY d.id DESC LIMIT max_rows;
        END IF;
        RETURN;
    END IF;
    IF entity = 'company' THEN
        RETURN QUERY SELECT c.id,
                (CASE WHEN c.name_key = q OR c.domain_key = q THEN 3
                      WHEN c.name_key LIKE prefix THEN 2
                      WHEN c.search_text LIKE pattern THEN 1 ELSE 0 END
                 + word_similarity(q, c.search_text))::real AS rank
            FROM companies c
            WHERE c.tenant_id = tenant AND c.deleted_at IS NULL
              AND (c.search_text LIKE pattern OR q <% c.search_text)
            ORDER BY 2 DESC, c.id LIMIT max_rows;
    ELSIF entity = 'contact' THEN
        RETURN QUERY SELECT c.id,
                (CASE WHEN c.name_key = q OR c.email_key = q THEN 3
                      WHEN c.name_key LIKE prefix OR c.email_key LIKE prefix THEN 2
                      WHEN c.search_text LIKE pattern THEN 1 ELSE 0 END
                 + word_similarity(q, c.search_text))::real AS rank
            FROM contacts c
            WHERE c.tenant_id = tenant AND c.deleted_at IS NULL
              AND (c.search_text LIKE pattern OR q <% c.search_text)
            ORDER BY 2 DESC, c.id LIMIT max_rows;
    ELSIF entity = 'lead' THEN
        RETURN QUERY SELECT l.id,
                (CASE WHEN l.name_key = q OR l.email_key = q THEN 3
                      WHEN l.name_key LIKE prefix OR l.email_key LIKE prefix THEN 2
                      WHEN l.search_text LIKE pattern THEN 1 ELSE 0 END
                 + word_similarity(q, l.search_text))::real AS rank
            FROM leads l
            WHERE l.tenant_id = tenant AND l.deleted_at IS NULL
              AND (l.search_text LIKE pattern OR q <% l.search_text)
            ORDER BY 2 DESC, l.id LIMIT max_rows;
    ELSIF entity = 'deal' THEN
        RETURN QUERY SELECT d.id,
                (CASE WHEN d.search_text = q THEN 3
                      WHEN d.search_text LIKE prefix THEN 2
                      WHEN d.search_text LIKE pattern THEN 1 ELSE 0 END
                 + word_similarity(q, d.search_text))::real AS rank
            FROM deals d
            WHERE d.tenant_id = tenant AND d.deleted_at IS NULL
              AND (d.search_text LIKE pattern OR q <% d.search_text)
            ORDER BY 2 DESC, d.id LIMIT max_rows;
    ELSE
        RAISE EXCEPTION 'unknown entity %', entity;
    END IF;
END
$$;

-- Owned by rapport_system (see above). Changing the owner needs CREATE on the schema for a
-- moment; it is taken back at once.
GRANT CREATE ON SCHEMA public TO rapport_system;
ALTER FUNCTION rapport_search_records(text, text, integer) OWNER TO rapport_system;
REVOKE CREATE ON SCHEMA public FROM rapport_system;
REVOKE ALL ON FUNCTION rapport_search_records(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rapport_search_records(text, text, integer) TO rapport_app, rapport_system;
