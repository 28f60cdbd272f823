DROP TABLE IF EXISTS analytics_snapshots;
DROP FUNCTION IF EXISTS app_analytics_scope();
