DROP INDEX activities_tenant_type_idx;
CREATE INDEX activities_tenant_time_idx ON activities (tenant_id, occurred_at DESC, id DESC);
DROP INDEX activities_tenant_feed_idx;
CREATE INDEX activities_contact_time_idx ON activities (tenant_id, contact_id, occurred_at DESC, id DESC)
    WHERE contact_id IS NOT NULL;
DROP INDEX activities_contact_feed_idx;
CREATE INDEX activities_company_time_idx ON activities (tenant_id, company_id, occurred_at DESC, id DESC)
    WHERE company_id IS NOT NULL;
DROP INDEX activities_company_feed_idx;
