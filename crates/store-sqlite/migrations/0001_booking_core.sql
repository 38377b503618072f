-- The booking core. Times are INTEGER seconds since the Unix epoch (UTC);
-- sets of user types are comma-separated codes ('' = no restriction).

CREATE TABLE institutions (
    id                   INTEGER PRIMARY KEY,
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
) STRICT;

CREATE TABLE departments (
    institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    code           TEXT    NOT NULL,
    name_ja        TEXT    NOT NULL,
    name_en        TEXT    NOT NULL,
    PRIMARY KEY (institution_id, code)
) STRICT;

CREATE TABLE venues (
    id      INTEGER PRIMARY KEY,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL
) STRICT;

CREATE TABLE lanes (
    id       INTEGER PRIMARY KEY,
    venue_id INTEGER NOT NULL REFERENCES venues (id),
    name_ja  TEXT    NOT NULL,
    name_en  TEXT    NOT NULL
) STRICT;

CREATE TABLE vaccines (
    id                     INTEGER PRIMARY KEY,
    name_ja                TEXT    NOT NULL,
    name_en                TEXT    NOT NULL,
    second_dose_after_days INTEGER CHECK (second_dose_after_days > 0)
) STRICT;

CREATE TABLE slots (
    id                  INTEGER PRIMARY KEY,
    venue_id            INTEGER NOT NULL REFERENCES venues (id),
    lane_id             INTEGER NOT NULL REFERENCES lanes (id),
    vaccine_id          INTEGER NOT NULL REFERENCES vaccines (id),
    dose                INTEGER NOT NULL CHECK (dose IN (1, 2)),
    starts_at           INTEGER NOT NULL,
    ends_at             INTEGER NOT NULL,
    capacity            INTEGER NOT NULL CHECK (capacity >= 0),
    -- Places held by active series. The CHECK is the last guard against
    -- overbooking; the booking transaction never relies on it.
    booked              INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    opens_at            INTEGER NOT NULL,
    closed              INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    eligible_user_types TEXT    NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
) STRICT;

CREATE INDEX slots_by_start ON slots (starts_at);

-- Institutions a slot is reserved for; none = every institution.
CREATE TABLE slot_institutions (
    slot_id        INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (slot_id, institution_id)
) STRICT;

-- The built-in member directory.
CREATE TABLE members (
    institution_id  INTEGER NOT NULL REFERENCES institutions (id),
    login           TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,
    user_type       TEXT    NOT NULL CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    PRIMARY KEY (institution_id, login)
) STRICT;

-- One row per institution login; only non-personal attributes.
CREATE TABLE persons (
    id              INTEGER PRIMARY KEY,
    institution_id  INTEGER NOT NULL REFERENCES institutions (id),
    subject         TEXT    NOT NULL,
    -- NULL when the login did not say (an attribute withheld).
    user_type       TEXT    CHECK (user_type IN ('staff', 'student')),
    department_code TEXT,
    first_seen_at   INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    UNIQUE (institution_id, subject)
) STRICT;

-- Personal data (names, mail, …), sealed to the back office's public key
-- (HPKE; sesshu-vault): the public process writes it and cannot read it
-- back. The owner is "<institution id>/<login>", the identity of a person
-- and of their directory entry, and it is bound into the ciphertext with
-- the field, so a value moved to another row does not open.
CREATE TABLE personal_data (
    owner      TEXT    NOT NULL,
    field      TEXT    NOT NULL CHECK (field IN ('name_roman', 'name_kanji', 'name_kana', 'mail')),
    key_id     TEXT    NOT NULL,
    sealed     BLOB    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (owner, field)
) STRICT;

-- Which version of the institution's consent text a person agreed to, when.
CREATE TABLE consents (
    person_id    INTEGER NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    version      TEXT    NOT NULL,
    consented_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, version)
) STRICT;

CREATE TABLE series (
    id           INTEGER PRIMARY KEY,
    number       TEXT    NOT NULL UNIQUE,
    person_id    INTEGER NOT NULL REFERENCES persons (id),
    vaccine_id   INTEGER NOT NULL REFERENCES vaccines (id),
    state        TEXT    NOT NULL CHECK (state IN ('booked', 'cancelled')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    cancelled_at INTEGER
) STRICT;

-- The database itself refuses a second active series for a person.
CREATE UNIQUE INDEX series_one_active_per_person ON series (person_id) WHERE state = 'booked';

CREATE TABLE series_doses (
    series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    dose      INTEGER NOT NULL CHECK (dose IN (1, 2)),
    slot_id   INTEGER NOT NULL REFERENCES slots (id),
    PRIMARY KEY (series_id, dose)
) STRICT;

CREATE INDEX series_doses_by_slot ON series_doses (slot_id);

-- Idempotency-Key of booking requests; the row is written first in the
-- booking transaction, so a concurrent request with the same key waits for
-- it and then replays it.
CREATE TABLE idempotency_keys (
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    series_id   INTEGER REFERENCES series (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, key)
) STRICT;

CREATE TABLE sessions (
    id_hash    TEXT    PRIMARY KEY,
    data       TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- SAML: the AuthnRequests this SP issued (a response must answer one, once),
-- and the assertions it accepted (refused if they come again), each kept
-- until it expires. In the database so that every process sees them.
CREATE TABLE saml_requests (
    id             TEXT    PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    expires_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE saml_assertions (
    id         TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;

-- The audit trail (append-only): each entry's hash covers the entry and the
-- hash of the one before; audit_head keeps the last, so a removed tail shows
-- too. `sesshu audit verify` follows the chain. No personal data in it.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    objects   TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    origin    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
) STRICT;

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
) STRICT;

-- The back office's administrator accounts: a login in a directory
-- ('builtin', with an Argon2id hash, or an institution's id: its LDAP) and a
-- role with the scope it needs. No personal data.
CREATE TABLE admin_accounts (
    id             INTEGER PRIMARY KEY,
    directory      TEXT    NOT NULL,
    login          TEXT    NOT NULL,
    password_hash  TEXT,
    role           TEXT    NOT NULL
        CHECK (role IN ('system_admin', 'operator', 'institution_staff', 'venue_staff')),
    institution_id INTEGER REFERENCES institutions (id),
    venue_id       INTEGER REFERENCES venues (id),
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_login_at  INTEGER,
    UNIQUE (directory, login),
    CHECK ((role = 'institution_staff') = (institution_id IS NOT NULL)),
    CHECK ((role = 'venue_staff') = (venue_id IS NOT NULL)),
    CHECK ((directory = 'builtin') = (password_hash IS NOT NULL))
) STRICT;

-- Doses checked in at the venue, by whom.
CREATE TABLE check_ins (
    series_id     INTEGER NOT NULL REFERENCES series (id),
    dose          INTEGER NOT NULL CHECK (dose IN (1, 2)),
    checked_in_at INTEGER NOT NULL,
    admin_id      INTEGER NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose)
) STRICT;

-- The mail outbox. Event mails are inserted by the booking transaction
-- itself; reminders by the scheduler, once per dose and day (dedupe_key).
-- A worker claims a due job by setting lease_owner/lease_until; another
-- worker skips it until the lease runs out. No personal data: the worker
-- opens the address when it sends.
CREATE TABLE mail_jobs (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('booked', 'changed', 'cancelled', 'reminder')),
    series_id       INTEGER NOT NULL REFERENCES series (id),
    person_id       INTEGER NOT NULL REFERENCES persons (id),
    dose            INTEGER CHECK (dose IN (1, 2)),
    language        TEXT    NOT NULL CHECK (language IN ('ja', 'en')),
    snapshot        TEXT,
    dedupe_key      TEXT    UNIQUE,
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    message_id      TEXT,
    smtp_reply      TEXT
) STRICT;

CREATE INDEX mail_jobs_due ON mail_jobs (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_jobs_by_series ON mail_jobs (series_id);
