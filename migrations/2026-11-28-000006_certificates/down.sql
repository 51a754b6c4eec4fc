ALTER TABLE email_outbox DROP COLUMN attachment_certificate_id;
DROP TABLE signing_keys;
DROP TABLE certificates;
