--pg   -- The booking core. Sets of user types are comma-separated codes
--pg   -- ('' = no restriction).
--lite -- The booking core. Times are INTEGER seconds since the Unix epoch (UTC);
--lite -- sets of user types are comma-separated codes ('' = no restriction).

CREATE TABLE institutions (
--pg       id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id                   INTEGER PRIMARY KEY,
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
--pg   );
--lite ) STRICT;

CREATE TABLE departments (
--pg       institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    code           TEXT    NOT NULL,
    name_ja        TEXT    NOT NULL,
    name_en        TEXT    NOT NULL,
    PRIMARY KEY (institution_id, code)
--pg   );
--lite ) STRICT;

CREATE TABLE venues (
--pg       id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id      INTEGER PRIMARY KEY,
--pg       name_ja TEXT   NOT NULL,
--lite     name_ja TEXT NOT NULL,
--pg       name_en TEXT   NOT NULL
--lite     name_en TEXT NOT NULL
--pg   );
--lite ) STRICT;

CREATE TABLE lanes (
--pg       id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id       INTEGER PRIMARY KEY,
--pg       venue_id BIGINT NOT NULL REFERENCES venues (id),
--lite     venue_id INTEGER NOT NULL REFERENCES venues (id),
--pg       name_ja  TEXT   NOT NULL,
--lite     name_ja  TEXT    NOT NULL,
--pg       name_en  TEXT   NOT NULL
--lite     name_en  TEXT    NOT NULL
--pg   );
--lite ) STRICT;

CREATE TABLE vaccines (
--pg       id                     BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id                     INTEGER PRIMARY KEY,
    name_ja                TEXT    NOT NULL,
    name_en                TEXT    NOT NULL,
    second_dose_after_days INTEGER CHECK (second_dose_after_days > 0)
--pg   );
--lite ) STRICT;

CREATE TABLE slots (
--pg       id                  BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id                  INTEGER PRIMARY KEY,
--pg       venue_id            BIGINT      NOT NULL REFERENCES venues (id),
--lite     venue_id            INTEGER NOT NULL REFERENCES venues (id),
--pg       lane_id             BIGINT      NOT NULL REFERENCES lanes (id),
--lite     lane_id             INTEGER NOT NULL REFERENCES lanes (id),
--pg       vaccine_id          BIGINT      NOT NULL REFERENCES vaccines (id),
--lite     vaccine_id          INTEGER NOT NULL REFERENCES vaccines (id),
--pg       dose                INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose                INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       starts_at           TIMESTAMPTZ NOT NULL,
--lite     starts_at           INTEGER NOT NULL,
--pg       ends_at             TIMESTAMPTZ NOT NULL,
--lite     ends_at             INTEGER NOT NULL,
--pg       capacity            INTEGER     NOT NULL CHECK (capacity >= 0),
--lite     capacity            INTEGER NOT NULL CHECK (capacity >= 0),
    -- Places held by active series. The CHECK is the last guard against
    -- overbooking; the booking transaction never relies on it.
--pg       booked              INTEGER     NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
--lite     booked              INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
--pg       opens_at            TIMESTAMPTZ NOT NULL,
--lite     opens_at            INTEGER NOT NULL,
--pg       closed              BOOLEAN     NOT NULL DEFAULT FALSE,
--lite     closed              INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
--pg       eligible_user_types TEXT        NOT NULL DEFAULT '',
--lite     eligible_user_types TEXT    NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
--pg   );
--lite ) STRICT;

CREATE INDEX slots_by_start ON slots (starts_at);

-- Institutions a slot is reserved for; none = every institution.
CREATE TABLE slot_institutions (
--pg       slot_id        BIGINT NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
--lite     slot_id        INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
--pg       institution_id BIGINT NOT NULL REFERENCES institutions (id),
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (slot_id, institution_id)
--pg   );
--lite ) STRICT;

-- The built-in member directory.
CREATE TABLE members (
--pg       institution_id  BIGINT  NOT NULL REFERENCES institutions (id),
--lite     institution_id  INTEGER NOT NULL REFERENCES institutions (id),
    login           TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    user_type       TEXT    NOT NULL CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
--pg       disabled        BOOLEAN NOT NULL DEFAULT FALSE,
--lite     disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    PRIMARY KEY (institution_id, login)
--pg   );
--lite ) STRICT;

-- One row per institution login; only non-personal attributes.
CREATE TABLE persons (
--pg       id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id              INTEGER PRIMARY KEY,
--pg       institution_id  BIGINT      NOT NULL REFERENCES institutions (id),
--lite     institution_id  INTEGER NOT NULL REFERENCES institutions (id),
--pg       subject         TEXT        NOT NULL,
--lite     subject         TEXT    NOT NULL,
    -- NULL when the login did not say (an attribute withheld).
--pg       user_type       TEXT        CHECK (user_type IN ('staff', 'student')),
--lite     user_type       TEXT    CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
--pg       first_seen_at   TIMESTAMPTZ NOT NULL,
--lite     first_seen_at   INTEGER NOT NULL,
--pg       last_seen_at    TIMESTAMPTZ NOT NULL,
--lite     last_seen_at    INTEGER NOT NULL,
    UNIQUE (institution_id, subject)
--pg   );
--lite ) STRICT;

-- Personal data (names, mail, …), sealed to the back office's public key
-- (HPKE; sesshu-vault): the public process writes it and cannot read it
-- back. The owner is "<institution id>/<login>", the identity of a person
-- and of their directory entry, and it is bound into the ciphertext with
-- the field, so a value moved to another row does not open.
CREATE TABLE personal_data (
    owner      TEXT    NOT NULL,
    field      TEXT    NOT NULL CHECK (field IN ('name_roman', 'name_kanji', 'name_kana', 'mail')),
    key_id     TEXT    NOT NULL,
--pg       sealed     BYTEA    NOT NULL,
--lite     sealed     BLOB    NOT NULL,
--pg       updated_at TIMESTAMPTZ NOT NULL,
--lite     updated_at INTEGER NOT NULL,
    PRIMARY KEY (owner, field)
--pg   );
--lite ) STRICT;

-- Which version of the institution's consent text a person agreed to, when.
CREATE TABLE consents (
--pg       person_id    BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
--lite     person_id    INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    version      TEXT    NOT NULL,
--pg       consented_at TIMESTAMPTZ NOT NULL,
--lite     consented_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, version)
--pg   );
--lite ) STRICT;

CREATE TABLE series (
--pg       id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id           INTEGER PRIMARY KEY,
--pg       number       TEXT        NOT NULL UNIQUE,
--lite     number       TEXT    NOT NULL UNIQUE,
--pg       person_id    BIGINT      NOT NULL REFERENCES persons (id),
--lite     person_id    INTEGER NOT NULL REFERENCES persons (id),
--pg       vaccine_id   BIGINT      NOT NULL REFERENCES vaccines (id),
--lite     vaccine_id   INTEGER NOT NULL REFERENCES vaccines (id),
--pg       state        TEXT        NOT NULL CHECK (state IN ('booked', 'cancelled')),
--lite     state        TEXT    NOT NULL CHECK (state IN ('booked', 'cancelled')),
--pg       created_at   TIMESTAMPTZ NOT NULL,
--lite     created_at   INTEGER NOT NULL,
--pg       updated_at   TIMESTAMPTZ NOT NULL,
--lite     updated_at   INTEGER NOT NULL,
--pg       cancelled_at TIMESTAMPTZ
--lite     cancelled_at INTEGER
--pg   );
--lite ) STRICT;

-- The database itself refuses a second active series for a person.
CREATE UNIQUE INDEX series_one_active_per_person ON series (person_id) WHERE state = 'booked';

CREATE TABLE series_doses (
--pg       series_id BIGINT  NOT NULL REFERENCES series (id) ON DELETE CASCADE,
--lite     series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    dose      INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       slot_id   BIGINT  NOT NULL REFERENCES slots (id),
--lite     slot_id   INTEGER NOT NULL REFERENCES slots (id),
    PRIMARY KEY (series_id, dose)
--pg   );
--lite ) STRICT;

CREATE INDEX series_doses_by_slot ON series_doses (slot_id);

-- Idempotency-Key of booking requests; the row is written first in the
-- booking transaction, so a concurrent request with the same key waits for
-- it and then replays it.
CREATE TABLE idempotency_keys (
--pg       person_id   BIGINT      NOT NULL REFERENCES persons (id),
--lite     person_id   INTEGER NOT NULL REFERENCES persons (id),
--pg       key         TEXT        NOT NULL,
--lite     key         TEXT    NOT NULL,
--pg       fingerprint TEXT        NOT NULL,
--lite     fingerprint TEXT    NOT NULL,
--pg       series_id   BIGINT      REFERENCES series (id),
--lite     series_id   INTEGER REFERENCES series (id),
--pg       created_at  TIMESTAMPTZ NOT NULL,
--lite     created_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, key)
--pg   );
--lite ) STRICT;

CREATE TABLE sessions (
--pg       id_hash    TEXT        PRIMARY KEY,
--lite     id_hash    TEXT    PRIMARY KEY,
--pg       data       TEXT        NOT NULL,
--lite     data       TEXT    NOT NULL,
--pg       expires_at TIMESTAMPTZ NOT NULL
--lite     expires_at INTEGER NOT NULL
--pg   );
--lite ) STRICT;

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- SAML: the AuthnRequests this SP issued (a response must answer one, once),
-- and the assertions it accepted (refused if they come again), each kept
-- until it expires. In the database so that every process sees them.
CREATE TABLE saml_requests (
    id             TEXT    PRIMARY KEY,
--pg       institution_id BIGINT NOT NULL REFERENCES institutions (id),
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id),
--pg       expires_at     TIMESTAMPTZ NOT NULL
--lite     expires_at     INTEGER NOT NULL
--pg   );
--lite ) STRICT;

CREATE TABLE saml_assertions (
    id         TEXT    PRIMARY KEY,
--pg       expires_at TIMESTAMPTZ NOT NULL
--lite     expires_at INTEGER NOT NULL
--pg   );
--lite ) STRICT;

-- The audit trail (append-only): each entry's hash covers the entry and the
-- hash of the one before; audit_head keeps the last, so a removed tail shows
-- too. `sesshu audit verify` follows the chain. No personal data in it.
CREATE TABLE audit_log (
--pg       seq       BIGINT PRIMARY KEY,
--lite     seq       INTEGER PRIMARY KEY,
--pg       at        TIMESTAMPTZ NOT NULL,
--lite     at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    objects   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    origin    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
--pg   );
--lite ) STRICT;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
--pg       seq  BIGINT NOT NULL,
--lite     seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
--pg   );
--lite ) STRICT;

-- The back office's administrator accounts: a login in a directory
-- ('builtin', with an Argon2id hash, or an institution's id: its LDAP) and a
-- role with the scope it needs. No personal data.
CREATE TABLE admin_accounts (
--pg       id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id             INTEGER PRIMARY KEY,
    directory      TEXT    NOT NULL,
    login          TEXT    NOT NULL,
    password_hash  TEXT,
    role           TEXT    NOT NULL
        CHECK (role IN ('system_admin', 'operator', 'institution_staff', 'venue_staff')),
--pg       institution_id BIGINT REFERENCES institutions (id),
--lite     institution_id INTEGER REFERENCES institutions (id),
--pg       venue_id       BIGINT REFERENCES venues (id),
--lite     venue_id       INTEGER REFERENCES venues (id),
--pg       disabled       BOOLEAN NOT NULL DEFAULT FALSE,
--lite     disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
--pg       created_at     TIMESTAMPTZ NOT NULL,
--lite     created_at     INTEGER NOT NULL,
--pg       updated_at     TIMESTAMPTZ NOT NULL,
--lite     updated_at     INTEGER NOT NULL,
--pg       last_login_at  TIMESTAMPTZ,
--lite     last_login_at  INTEGER,
    UNIQUE (directory, login),
    CHECK ((role = 'institution_staff') = (institution_id IS NOT NULL)),
    CHECK ((role = 'venue_staff') = (venue_id IS NOT NULL)),
    CHECK ((directory = 'builtin') = (password_hash IS NOT NULL))
--pg   );
--lite ) STRICT;

-- Doses checked in at the venue, by whom.
CREATE TABLE check_ins (
--pg       series_id     BIGINT  NOT NULL REFERENCES series (id),
--lite     series_id     INTEGER NOT NULL REFERENCES series (id),
    dose          INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       checked_in_at TIMESTAMPTZ NOT NULL,
--lite     checked_in_at INTEGER NOT NULL,
--pg       admin_id      BIGINT  NOT NULL REFERENCES admin_accounts (id),
--lite     admin_id      INTEGER NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose)
--pg   );
--lite ) STRICT;

-- The mail outbox. Event mails are inserted by the booking transaction
-- itself; reminders by the scheduler, once per dose and day (dedupe_key).
--pg   -- A worker claims due jobs with FOR UPDATE SKIP LOCKED and a lease
--pg   -- (lease_owner/lease_until): no two workers hold one job. No personal data:
--pg   -- the worker opens the address when it sends.
--lite -- A worker claims a due job by setting lease_owner/lease_until; another
--lite -- worker skips it until the lease runs out. No personal data: the worker
--lite -- opens the address when it sends.
CREATE TABLE mail_jobs (
--pg       id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('booked', 'changed', 'cancelled', 'reminder')),
--pg       series_id       BIGINT  NOT NULL REFERENCES series (id),
--lite     series_id       INTEGER NOT NULL REFERENCES series (id),
--pg       person_id       BIGINT  NOT NULL REFERENCES persons (id),
--lite     person_id       INTEGER NOT NULL REFERENCES persons (id),
    dose            INTEGER CHECK (dose IN (1, 2)),
    language        TEXT    NOT NULL CHECK (language IN ('ja', 'en')),
    snapshot        TEXT,
    dedupe_key      TEXT    UNIQUE,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
--pg       next_attempt_at TIMESTAMPTZ NOT NULL,
--lite     next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
--pg       lease_until     TIMESTAMPTZ,
--lite     lease_until     INTEGER,
    last_error      TEXT,
--pg       created_at      TIMESTAMPTZ NOT NULL,
--lite     created_at      INTEGER NOT NULL,
--pg       sent_at         TIMESTAMPTZ,
--lite     sent_at         INTEGER,
    message_id      TEXT,
    smtp_reply      TEXT
--pg   );
--lite ) STRICT;

CREATE INDEX mail_jobs_due ON mail_jobs (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_jobs_by_series ON mail_jobs (series_id);

--pg   -- Wakes the mail workers (LISTEN sesshu_mail) when a job is queued; the
--pg   -- notification is delivered when the inserting transaction commits.
--pg   CREATE FUNCTION sesshu_mail_queued() RETURNS trigger LANGUAGE plpgsql AS $$
--pg   BEGIN
--pg       PERFORM pg_notify('sesshu_mail', '');
--pg       RETURN NULL;
--pg   END
--pg   $$;
--pg
--pg   CREATE TRIGGER mail_jobs_notify AFTER INSERT ON mail_jobs
--pg       FOR EACH STATEMENT EXECUTE FUNCTION sesshu_mail_queued();
--pg