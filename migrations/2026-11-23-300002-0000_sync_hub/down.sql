DROP TABLE sync_links;
DROP TABLE sync_run_errors;
DROP TABLE sync_runs;
DROP TRIGGER sync_models_delete_records ON sync_models;
DROP FUNCTION rapport_sync_model_deleted();
DROP TABLE sync_records;
DROP TABLE sync_models;
DROP TABLE sync_connections;
