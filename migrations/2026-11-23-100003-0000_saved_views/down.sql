ALTER TABLE leads DROP COLUMN conversion_detail;
DROP TABLE bulk_operations;
DROP TABLE saved_views;
