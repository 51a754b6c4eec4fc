DROP TABLE login_failures;
DROP TABLE invitations;
DROP TABLE account_tokens;
DROP TABLE refresh_tokens;
DROP TABLE users;
