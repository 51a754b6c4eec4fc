DROP TABLE email_outbox;
DROP TABLE app_settings;
DROP FUNCTION set_updated_at();
