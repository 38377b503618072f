-- The vaccination day (docs/vaccination-day.md): check-in tokens, the lot
-- register, what happened at each dose, sealed answers and vouchers, and the
-- mails that follow.

-- The token in a confirmation's QR code: random, replaced at every change of
-- the reservation and cleared when it is cancelled, so an old code checks no
-- one in. Not derived from anything: 128 random bits, 32 hex digits.
ALTER TABLE series ADD COLUMN check_in_token TEXT;
UPDATE series SET check_in_token = upper(hex(randomblob(16))) WHERE state = 'booked';
CREATE UNIQUE INDEX series_by_check_in_token ON series (check_in_token);

-- A venue's vaccine lots (ロット): the doses a lot holds and how many were
-- given. A lot past its expiry day (Asia/Tokyo, YYYY-MM-DD) gives no dose.
CREATE TABLE lots (
    id            INTEGER PRIMARY KEY,
    venue_id      INTEGER NOT NULL REFERENCES venues (id),
    vaccine_id    INTEGER NOT NULL REFERENCES vaccines (id),
    number        TEXT    NOT NULL,
    expires_on    TEXT    NOT NULL,
    doses         INTEGER NOT NULL CHECK (doses > 0),
    used          INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= doses),
    registered_at INTEGER NOT NULL,
    UNIQUE (venue_id, number)
) STRICT;

-- What happened at a dose's appointment after its check-in: the
-- questionnaire (予診票) collected, the doctor's decision, the vaccination.
-- The answers and the reason of a decision are sealed in dose_data.
CREATE TABLE dose_records (
    series_id        INTEGER NOT NULL REFERENCES series (id),
    dose             INTEGER NOT NULL CHECK (dose IN (1, 2)),
    questionnaire_at INTEGER,
    decision         TEXT
        CHECK (decision IN ('vaccinate', 'postpone', 'contraindicated', 'refused', 'unwell')),
    decided_at       INTEGER,
    vaccinated_at    INTEGER,
    lot_id           INTEGER REFERENCES lots (id),
    given_by         TEXT,
    site             TEXT    CHECK (site IN ('left_arm', 'right_arm')),
    updated_at       INTEGER NOT NULL,
    updated_by       INTEGER NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CHECK ((vaccinated_at IS NULL) = (lot_id IS NULL)
       AND (vaccinated_at IS NULL) = (given_by IS NULL)
       AND (vaccinated_at IS NULL) = (site IS NULL)),
    CHECK (vaccinated_at IS NULL OR decision = 'vaccinate')
) STRICT;

-- Personal data of a dose, sealed to the back office's key like
-- personal_data (the owner bound into each value is the person's and the
-- dose's): the questionnaire's answers that decide, the reason of a
-- decision, the voucher's number.
CREATE TABLE dose_data (
    series_id  INTEGER NOT NULL REFERENCES series (id),
    dose       INTEGER NOT NULL CHECK (dose IN (1, 2)),
    field      TEXT    NOT NULL CHECK (field IN ('questionnaire', 'decision_reason', 'voucher')),
    key_id     TEXT    NOT NULL,
    sealed     BLOB    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (series_id, dose, field)
) STRICT;

-- Vouchers (接種券): given (online, or entered at the desk) and collected at
-- the desk (the sticker goes on the questionnaire). The number is in
-- dose_data.
CREATE TABLE vouchers (
    series_id    INTEGER NOT NULL REFERENCES series (id),
    dose         INTEGER NOT NULL CHECK (dose IN (1, 2)),
    given_at     INTEGER NOT NULL,
    collected_at INTEGER,
    collected_by INTEGER REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((collected_at IS NULL) = (collected_by IS NULL))
) STRICT;

-- The mails of the day and after it: a decision to postpone or not to
-- vaccinate, a missed appointment cancelled, a voucher still to bring.
-- SQLite cannot change a CHECK: the outbox is rebuilt with the new kinds.
CREATE TABLE mail_jobs_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('booked', 'changed', 'cancelled', 'reminder',
                        'postponed', 'not_vaccinated', 'no_show', 'voucher_reminder')),
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
INSERT INTO mail_jobs_new SELECT * FROM mail_jobs;
DROP TABLE mail_jobs;
ALTER TABLE mail_jobs_new RENAME TO mail_jobs;
CREATE INDEX mail_jobs_due ON mail_jobs (next_attempt_at) WHERE state = 'pending';
CREATE INDEX mail_jobs_by_series ON mail_jobs (series_id);
