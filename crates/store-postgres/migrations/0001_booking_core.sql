-- The booking core. Sets of user types are comma-separated codes
-- ('' = no restriction).

CREATE TABLE institutions (
    id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                 TEXT    NOT NULL UNIQUE,
    name_ja              TEXT    NOT NULL,
    name_en              TEXT    NOT NULL,
    contact_office_ja    TEXT    NOT NULL DEFAULT '',
    contact_office_en    TEXT    NOT NULL DEFAULT '',
    contact_mail         TEXT    NOT NULL DEFAULT '',
    contact_phone        TEXT    NOT NULL DEFAULT '',
    contact_url          TEXT    NOT NULL DEFAULT '',
    eligible_user_types  TEXT    NOT NULL,
    deadline_days_before INTEGER NOT NULL DEFAULT 3 CHECK (deadline_days_before BETWEEN 0 AND 60),
    deadline_minutes     INTEGER NOT NULL DEFAULT 720 CHECK (deadline_minutes BETWEEN 0 AND 1439),
    -- How people log in (JSON of sesshu_domain::LoginMethod; secrets are
    -- references to files or variables, never the secret itself).
    login                TEXT    NOT NULL DEFAULT '{"method":"builtin"}',
    -- JSON of sesshu_domain::AttributeMapping ('{}' = GakuNin's names).
    attributes           TEXT    NOT NULL DEFAULT '{}',
    -- The consent a login needs before it is stored; NULL = none required.
    consent_version      TEXT,
    consent_text_ja      TEXT,
    consent_text_en      TEXT,
    -- Mails to the institution's people: the sender (NULL = the system's
    -- default) and the notice every mail carries (what to bring, …).
    mail_from            TEXT,
    notice_ja            TEXT    NOT NULL DEFAULT '',
    notice_en            TEXT    NOT NULL DEFAULT '',
    CHECK ((consent_version IS NULL) = (consent_text_ja IS NULL)
       AND (consent_version IS NULL) = (consent_text_en IS NULL))
);

CREATE TABLE departments (
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    code           TEXT    NOT NULL,
    name_ja        TEXT    NOT NULL,
    name_en        TEXT    NOT NULL,
    PRIMARY KEY (institution_id, code)
);

CREATE TABLE venues (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name_ja TEXT   NOT NULL,
    name_en TEXT   NOT NULL
);

CREATE TABLE lanes (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id BIGINT NOT NULL REFERENCES venues (id),
    name_ja  TEXT   NOT NULL,
    name_en  TEXT   NOT NULL
);

CREATE TABLE vaccines (
    id                     BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name_ja                TEXT    NOT NULL,
    name_en                TEXT    NOT NULL,
    second_dose_after_days INTEGER CHECK (second_dose_after_days > 0)
);

CREATE TABLE slots (
    id                  BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            BIGINT      NOT NULL REFERENCES venues (id),
    lane_id             BIGINT      NOT NULL REFERENCES lanes (id),
    vaccine_id          BIGINT      NOT NULL REFERENCES vaccines (id),
    dose                INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    starts_at           TIMESTAMPTZ NOT NULL,
    ends_at             TIMESTAMPTZ NOT NULL,
    capacity            INTEGER     NOT NULL CHECK (capacity >= 0),
    -- Places held by active series. The CHECK is the last guard against
    -- overbooking; the booking transaction never relies on it.
    booked              INTEGER     NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    opens_at            TIMESTAMPTZ NOT NULL,
    closed              BOOLEAN     NOT NULL DEFAULT FALSE,
    eligible_user_types TEXT        NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
);

CREATE INDEX slots_by_start ON slots (starts_at);

-- Institutions a slot is reserved for; none = every institution.
CREATE TABLE slot_institutions (
    slot_id        BIGINT NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (slot_id, institution_id)
);

-- The built-in member directory.
CREATE TABLE members (
    institution_id  BIGINT  NOT NULL REFERENCES institutions (id),
    login           TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    user_type       TEXT    NOT NULL CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (institution_id, login)
);

-- One row per institution login; only non-personal attributes.
CREATE TABLE persons (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id  BIGINT      NOT NULL REFERENCES institutions (id),
    subject         TEXT        NOT NULL,
    -- NULL when the login did not say (an attribute withheld).
    user_type       TEXT        CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (institution_id, subject)
);

-- Personal data (names, mail, …), sealed to the back office's public key
-- (HPKE; sesshu-vault): the public process writes it and cannot read it
-- back. The owner is "<institution id>/<login>", the identity of a person
-- and of their directory entry, and it is bound into the ciphertext with
-- the field, so a value moved to another row does not open.
CREATE TABLE personal_data (
    owner      TEXT    NOT NULL,
    field      TEXT    NOT NULL CHECK (field IN ('name_roman', 'name_kanji', 'name_kana', 'mail')),
    key_id     TEXT    NOT NULL,
    sealed     BYTEA    NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (owner, field)
);

-- Which version of the institution's consent text a person agreed to, when.
CREATE TABLE consents (
    person_id    BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    version      TEXT    NOT NULL,
    consented_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, version)
);

CREATE TABLE series (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       TEXT        NOT NULL UNIQUE,
    person_id    BIGINT      NOT NULL REFERENCES persons (id),
    vaccine_id   BIGINT      NOT NULL REFERENCES vaccines (id),
    state        TEXT        NOT NULL CHECK (state IN ('booked', 'cancelled')),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ
);

-- The database itself refuses a second active series for a person.
CREATE UNIQUE INDEX series_one_active_per_person ON series (person_id) WHERE state = 'booked';

CREATE TABLE series_doses (
    series_id BIGINT  NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    dose      INTEGER NOT NULL CHECK (dose IN (1, 2)),
    slot_id   BIGINT  NOT NULL REFERENCES slots (id),
    PRIMARY KEY (series_id, dose)
);

CREATE INDEX series_doses_by_slot ON series_doses (slot_id);

-- Idempotency-Key of booking requests; the row is written first in the
-- booking transaction, so a concurrent request with the same key waits for
-- it and then replays it.
CREATE TABLE idempotency_keys (
    person_id   BIGINT      NOT NULL REFERENCES persons (id),
    key         TEXT        NOT NULL,
    fingerprint TEXT        NOT NULL,
    series_id   BIGINT      REFERENCES series (id),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, key)
);

CREATE TABLE sessions (
    id_hash    TEXT        PRIMARY KEY,
    data       TEXT        NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- SAML: the AuthnRequests this SP issued (a response must answer one, once),
-- and the assertions it accepted (refused if they come again), each kept
-- until it expires. In the database so that every process sees them.
CREATE TABLE saml_requests (
    id             TEXT    PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    expires_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE saml_assertions (
    id         TEXT    PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);

-- The audit trail (append-only): each entry's hash covers the entry and the
-- hash of the one before; audit_head keeps the last, so a removed tail shows
-- too. `sesshu audit verify` follows the chain. No personal data in it.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    objects   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    origin    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT    NOT NULL
);

-- The back office's administrator accounts: a login in a directory
-- ('builtin', with an Argon2id hash, or an institution's id: its LDAP) and a
-- role with the scope it needs. No personal data.
CREATE TABLE admin_accounts (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    directory      TEXT    NOT NULL,
    login          TEXT    NOT NULL,
    password_hash  TEXT,
    role           TEXT    NOT NULL
        CHECK (role IN ('system_admin', 'operator', 'institution_staff', 'venue_staff')),
    institution_id BIGINT REFERENCES institutions (id),
    venue_id       BIGINT REFERENCES venues (id),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    last_login_at  TIMESTAMPTZ,
    UNIQUE (directory, login),
    CHECK ((role = 'institution_staff') = (institution_id IS NOT NULL)),
    CHECK ((role = 'venue_staff') = (venue_id IS NOT NULL)),
    CHECK ((directory = 'builtin') = (password_hash IS NOT NULL))
);

-- Doses checked in at the venue, by whom.
CREATE TABLE check_ins (
    series_id     BIGINT  NOT NULL REFERENCES series (id),
    dose          INTEGER NOT NULL CHECK (dose IN (1, 2)),
    checked_in_at TIMESTAMPTZ NOT NULL,
    admin_id      BIGINT  NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose)
);

-- The mail outbox. Event mails are inserted by the booking transaction
-- itself; reminders by the scheduler, once per dose and day (dedupe_key).
-- A worker claims due jobs with FOR UPDATE SKIP LOCKED and a lease
-- (lease_owner/lease_until): no two workers hold one job. No personal data:
-- the worker opens the address when it sends.
CREATE TABLE mail_jobs (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('booked', 'changed', 'cancelled', 'reminder')),
    series_id       BIGINT  NOT NULL REFERENCES series (id),
    person_id       BIGINT  NOT NULL REFERENCES persons (id),
    dose            INTEGER CHECK (dose IN (1, 2)),
    language        TEXT    NOT NULL CHECK (language IN ('ja', 'en')),
    snapshot        TEXT,
    dedupe_key      TEXT    UNIQUE,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    message_id      TEXT,
    smtp_reply      TEXT
);

CREATE INDEX mail_jobs_due ON mail_jobs (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_jobs_by_series ON mail_jobs (series_id);

-- Wakes the mail workers (LISTEN sesshu_mail) when a job is queued; the
-- notification is delivered when the inserting transaction commits.
CREATE FUNCTION sesshu_mail_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('sesshu_mail', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER mail_jobs_notify AFTER INSERT ON mail_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION sesshu_mail_queued();
