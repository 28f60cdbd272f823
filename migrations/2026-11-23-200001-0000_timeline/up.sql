-- Timeline read paths. The timeline reads each subject's entries in (occurred_at, id)
-- order and filters them by type, author and deletion. With those columns INCLUDEd, the
-- filters run on the index alone (index-only scans), so a filter that matches little on
-- a 50,000-entry account costs an index walk, not 50,000 heap visits. These replace the
-- plain (tenant, subject, occurred_at, id) indexes, which they cover.
CREATE INDEX activities_company_feed_idx ON activities (tenant_id, company_id, occurred_at DESC, id DESC)
    INCLUDE (activity_type, user_id, deleted_at) WHERE company_id IS NOT NULL;
DROP INDEX activities_company_time_idx;

CREATE INDEX activities_contact_feed_idx ON activities (tenant_id, contact_id, occurred_at DESC, id DESC)
    INCLUDE (activity_type, user_id, deleted_at) WHERE contact_id IS NOT NULL;
DROP INDEX activities_contact_time_idx;

CREATE INDEX activities_tenant_feed_idx ON activities (tenant_id, occurred_at DESC, id DESC)
    INCLUDE (activity_type, user_id, deleted_at);
DROP INDEX activities_tenant_time_idx;

-- The tenant-wide feed filtered by type ("every won deal"): one ordered scan per type.
CREATE INDEX activities_tenant_type_idx ON activities (tenant_id, activity_type, occurred_at DESC, id DESC)
    INCLUDE (user_id, deleted_at);
