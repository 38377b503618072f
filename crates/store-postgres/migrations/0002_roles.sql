-- Two database roles for the two processes (docs/deploy.md): log the public
-- process in as a member of sesshu_public, the back office as a member of
-- sesshu_office. The public process may write personal data but never read
-- the sealed values back; everything else it needs, it may use.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sesshu_public') THEN
        CREATE ROLE sesshu_public NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sesshu_office') THEN
        CREATE ROLE sesshu_office NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO sesshu_public, sesshu_office;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sesshu_public, sesshu_office;

-- The back office: everything, but the audit trail only grows.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sesshu_office;
REVOKE UPDATE, DELETE ON audit_log FROM sesshu_office;

-- The public process: reads the master data and the directory, books.
GRANT SELECT ON institutions, departments, venues, lanes, vaccines, slot_institutions, members
    TO sesshu_public;
GRANT SELECT, UPDATE (booked) ON slots TO sesshu_public;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON persons, consents, series, series_doses, idempotency_keys, sessions,
       saml_requests, saml_assertions
    TO sesshu_public;
-- Personal data: it may write and replace values, and see which fields
-- exist, but not read a sealed value.
GRANT SELECT (owner, field, key_id, updated_at), INSERT, DELETE ON personal_data TO sesshu_public;
GRANT UPDATE (key_id, sealed, updated_at) ON personal_data TO sesshu_public;
-- The public process queues mails with the booking transaction, and reads
-- none back.
GRANT INSERT ON mail_jobs TO sesshu_public;

-- Administrator accounts and check-ins are the back office's alone: the
-- public role has no privilege on them (nor on the audit trail).
