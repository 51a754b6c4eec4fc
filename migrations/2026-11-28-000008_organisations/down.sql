ALTER TABLE invitations DROP CONSTRAINT invitations_organisation_fk;
ALTER TABLE users DROP CONSTRAINT users_organisation_fk;
DROP INDEX users_organisation_idx;
DROP TABLE organisations;
