-- Deal totals per stage (issue 4): the board's column headers (count, amount, weighted
-- amount) summed ~155k open deals per view on a large tenant. This table keeps those sums
-- per (pipeline, stage, status, owner, currency, expected close month), maintained by
-- statement-level triggers on deals in the same transaction as the change, so the board
-- reads a few hundred rows and is always exact. Owner and close month are in the key so
-- the board's owner / team / close-month filters still read the totals; the other filters
-- (tag, amount range) read the deals themselves.

CREATE TABLE deal_stage_totals (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    pipeline_id      bigint NOT NULL,
    stage_id         bigint NOT NULL,
    status           text NOT NULL,
    owner_id         bigint,
    currency         text NOT NULL,
    -- First day of the expected close month; NULL for deals without a date.
    close_month      date,
    deals            bigint NOT NULL,
    amount_minor     numeric NOT NULL,
    -- Σ amount_minor × probability (percent): the board rounds Σ / 100 once per column.
    weighted_product numeric NOT NULL
);
CREATE UNIQUE INDEX deal_stage_totals_key ON deal_stage_totals
    (tenant_id, pipeline_id, stage_id, status, owner_id, currency, close_month)
    NULLS NOT DISTINCT;
SELECT rapport_enable_tenant_rls('deal_stage_totals');
-- The same visibility as the deals the rows sum: by owner.
CREATE POLICY record_visibility ON deal_stage_totals AS RESTRICTIVE FOR SELECT TO rapport_app
    USING ((SELECT app_sees_all_records())
        OR owner_id = ANY ((SELECT app_visible_owner_ids())::bigint[]));
-- Only the trigger (as rapport_system) writes it.
REVOKE INSERT, UPDATE, DELETE ON deal_stage_totals FROM rapport_app;

-- What one live deal contributes, or NULL for a deleted one.
CREATE TYPE deal_totals_part AS (
    tenant_id bigint, pipeline_id bigint, stage_id bigint, status text, owner_id bigint,
    currency text, close_month date, amount_minor bigint, probability smallint
);
CREATE FUNCTION rapport_deal_totals_part(d deals) RETURNS deal_totals_part
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d.deleted_at IS NULL THEN ROW(d.tenant_id, d.pipeline_id, d.stage_id,
        d.status, d.owner_id, d.currency, date_trunc('month', d.expected_close_date)::date,
        d.amount_minor, d.probability)::deal_totals_part END
    $$;

-- Adds each part with its sign (1 adds a deal, -1 removes it), in one statement whose
-- rows are taken in key order: two transactions moving deals between the same columns
-- lock the sums in the same order and so cannot deadlock. Rows that reach zero deals
-- stay (one per combination ever seen) and are skipped by readers.
CREATE FUNCTION rapport_deal_totals_add(parts deal_totals_part[], signs integer[])
    RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    INSERT INTO deal_stage_totals AS t (tenant_id, pipeline_id, stage_id, status, owner_id,
        currency, close_month, deals, amount_minor, weighted_product)
    SELECT (p).tenant_id, (p).pipeline_id, (p).stage_id, (p).status, (p).owner_id,
           (p).currency, (p).close_month, sum(sign), sum(sign * (p).amount_minor::numeric),
           sum(sign * (p).amount_minor::numeric * (p).probability)
    FROM (SELECT parts[i] AS p, signs[i] AS sign FROM generate_subscripts(parts, 1) AS i) u
    WHERE (p).tenant_id IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(sign) <> 0 OR sum(sign * (p).amount_minor::numeric) <> 0
        OR sum(sign * (p).amount_minor::numeric * (p).probability) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (tenant_id, pipeline_id, stage_id, status, owner_id, currency, close_month)
    DO UPDATE SET deals = t.deals + excluded.deals,
                  amount_minor = t.amount_minor + excluded.amount_minor,
                  weighted_product = t.weighted_product + excluded.weighted_product
    $$;
-- Owned by rapport_system, whose system policy lets it write any row of the tenant: the
-- sums must not depend on what the user who changed a deal may see. Changing the owner
-- needs CREATE on the schema for a moment (as for rapport_search_records).
GRANT CREATE ON SCHEMA public TO rapport_system;
ALTER FUNCTION rapport_deal_totals_add(deal_totals_part[], integer[]) OWNER TO rapport_system;
REVOKE CREATE ON SCHEMA public FROM rapport_system;

-- One function for the three statement triggers. Updates that leave every summed column
-- alone (the timeline's last_activity_at, titles, notes …) write nothing.
CREATE FUNCTION rapport_deal_totals_apply() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    parts deal_totals_part[];
    signs integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(rapport_deal_totals_part(n)), array_agg(1)
        INTO parts, signs FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(rapport_deal_totals_part(o)), array_agg(-1)
        INTO parts, signs FROM old_rows o;
    ELSE
        SELECT array_agg(c.part), array_agg(c.sign) INTO parts, signs
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (rapport_deal_totals_part(o), -1),
                                   (rapport_deal_totals_part(n), 1)) AS c (part, sign)
        WHERE rapport_deal_totals_part(o) IS DISTINCT FROM rapport_deal_totals_part(n);
    END IF;
    IF parts IS NOT NULL THEN
        PERFORM rapport_deal_totals_add(parts, signs);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER deals_totals_insert AFTER INSERT ON deals
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_deal_totals_apply();
CREATE TRIGGER deals_totals_update AFTER UPDATE ON deals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_deal_totals_apply();
CREATE TRIGGER deals_totals_delete AFTER DELETE ON deals
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rapport_deal_totals_apply();

-- The deals that exist already.
SELECT rapport_deal_totals_add(array_agg(rapport_deal_totals_part(d)), array_agg(1))
FROM deals d HAVING count(*) > 0;
