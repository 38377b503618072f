-- The vaccination day (docs/vaccination-day.md): check-in tokens, the lot
-- register, what happened at each dose, sealed answers and vouchers, and the
-- mails that follow.

-- The token in a confirmation's QR code: random, replaced at every change of
-- the reservation and cleared when it is cancelled, so an old code checks no
--pg   -- one in. Not derived from anything: 128 random bits, 32 hex digits
--pg   -- (gen_random_bytes needs pgcrypto; a version-4 UUID's 122 random bits from
--pg   -- the server's strong generator serve for the reservations made before).
--lite -- one in. Not derived from anything: 128 random bits, 32 hex digits.
ALTER TABLE series ADD COLUMN check_in_token TEXT;
--pg   UPDATE series SET check_in_token = upper(replace(gen_random_uuid()::text, '-', ''))
--pg       WHERE state = 'booked';
--lite UPDATE series SET check_in_token = upper(hex(randomblob(16))) WHERE state = 'booked';
CREATE UNIQUE INDEX series_by_check_in_token ON series (check_in_token);

-- A venue's vaccine lots (ロット): the doses a lot holds and how many were
--pg   -- given. A lot past its expiry day (Asia/Tokyo) gives no dose.
--lite -- given. A lot past its expiry day (Asia/Tokyo, YYYY-MM-DD) gives no dose.
CREATE TABLE lots (
--pg       id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
--lite     id            INTEGER PRIMARY KEY,
--pg       venue_id      BIGINT      NOT NULL REFERENCES venues (id),
--lite     venue_id      INTEGER NOT NULL REFERENCES venues (id),
--pg       vaccine_id    BIGINT      NOT NULL REFERENCES vaccines (id),
--lite     vaccine_id    INTEGER NOT NULL REFERENCES vaccines (id),
--pg       number        TEXT        NOT NULL,
--lite     number        TEXT    NOT NULL,
--pg       expires_on    DATE        NOT NULL,
--lite     expires_on    TEXT    NOT NULL,
--pg       doses         INTEGER     NOT NULL CHECK (doses > 0),
--lite     doses         INTEGER NOT NULL CHECK (doses > 0),
--pg       used          INTEGER     NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= doses),
--lite     used          INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= doses),
--pg       registered_at TIMESTAMPTZ NOT NULL,
--lite     registered_at INTEGER NOT NULL,
    UNIQUE (venue_id, number)
--pg   );
--lite ) STRICT;

-- What happened at a dose's appointment after its check-in: the
-- questionnaire (予診票) collected, the doctor's decision, the vaccination.
-- The answers and the reason of a decision are sealed in dose_data.
CREATE TABLE dose_records (
--pg       series_id        BIGINT      NOT NULL REFERENCES series (id),
--lite     series_id        INTEGER NOT NULL REFERENCES series (id),
--pg       dose             INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose             INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       questionnaire_at TIMESTAMPTZ,
--lite     questionnaire_at INTEGER,
    decision         TEXT
        CHECK (decision IN ('vaccinate', 'postpone', 'contraindicated', 'refused', 'unwell')),
--pg       decided_at       TIMESTAMPTZ,
--lite     decided_at       INTEGER,
--pg       vaccinated_at    TIMESTAMPTZ,
--lite     vaccinated_at    INTEGER,
--pg       lot_id           BIGINT      REFERENCES lots (id),
--lite     lot_id           INTEGER REFERENCES lots (id),
    given_by         TEXT,
--pg       site             TEXT        CHECK (site IN ('left_arm', 'right_arm')),
--lite     site             TEXT    CHECK (site IN ('left_arm', 'right_arm')),
--pg       updated_at       TIMESTAMPTZ NOT NULL,
--lite     updated_at       INTEGER NOT NULL,
--pg       updated_by       BIGINT      NOT NULL REFERENCES admin_accounts (id),
--lite     updated_by       INTEGER NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CHECK ((vaccinated_at IS NULL) = (lot_id IS NULL)
       AND (vaccinated_at IS NULL) = (given_by IS NULL)
       AND (vaccinated_at IS NULL) = (site IS NULL)),
    CHECK (vaccinated_at IS NULL OR decision = 'vaccinate')
--pg   );
--lite ) STRICT;

-- Personal data of a dose, sealed to the back office's key like
-- personal_data (the owner bound into each value is the person's and the
-- dose's): the questionnaire's answers that decide, the reason of a
-- decision, the voucher's number.
CREATE TABLE dose_data (
--pg       series_id  BIGINT      NOT NULL REFERENCES series (id),
--lite     series_id  INTEGER NOT NULL REFERENCES series (id),
--pg       dose       INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose       INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       field      TEXT        NOT NULL CHECK (field IN ('questionnaire', 'decision_reason', 'voucher')),
--lite     field      TEXT    NOT NULL CHECK (field IN ('questionnaire', 'decision_reason', 'voucher')),
--pg       key_id     TEXT        NOT NULL,
--lite     key_id     TEXT    NOT NULL,
--pg       sealed     BYTEA       NOT NULL,
--lite     sealed     BLOB    NOT NULL,
--pg       updated_at TIMESTAMPTZ NOT NULL,
--lite     updated_at INTEGER NOT NULL,
    PRIMARY KEY (series_id, dose, field)
--pg   );
--lite ) STRICT;

-- Vouchers (接種券): given (online, or entered at the desk) and collected at
-- the desk (the sticker goes on the questionnaire). The number is in
-- dose_data.
CREATE TABLE vouchers (
--pg       series_id    BIGINT      NOT NULL REFERENCES series (id),
--lite     series_id    INTEGER NOT NULL REFERENCES series (id),
--pg       dose         INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose         INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       given_at     TIMESTAMPTZ NOT NULL,
--lite     given_at     INTEGER NOT NULL,
--pg       collected_at TIMESTAMPTZ,
--lite     collected_at INTEGER,
--pg       collected_by BIGINT      REFERENCES admin_accounts (id),
--lite     collected_by INTEGER REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((collected_at IS NULL) = (collected_by IS NULL))
--pg   );
--lite ) STRICT;

-- The mails of the day and after it: a decision to postpone or not to
-- vaccinate, a missed appointment cancelled, a voucher still to bring.
--pg   ALTER TABLE mail_jobs DROP CONSTRAINT mail_jobs_kind_check;
--pg   ALTER TABLE mail_jobs ADD CONSTRAINT mail_jobs_kind_check CHECK (kind IN ('booked', 'changed',
--pg       'cancelled', 'reminder', 'postponed', 'not_vaccinated', 'no_show', 'voucher_reminder'));
--lite -- SQLite cannot change a CHECK: the outbox is rebuilt with the new kinds.
--lite CREATE TABLE mail_jobs_new (
--lite     id              INTEGER PRIMARY KEY,
--lite     kind            TEXT    NOT NULL CHECK (kind IN ('booked', 'changed', 'cancelled', 'reminder',
--lite                         'postponed', 'not_vaccinated', 'no_show', 'voucher_reminder')),
--lite     series_id       INTEGER NOT NULL REFERENCES series (id),
--lite     person_id       INTEGER NOT NULL REFERENCES persons (id),
--lite     dose            INTEGER CHECK (dose IN (1, 2)),
--lite     language        TEXT    NOT NULL CHECK (language IN ('ja', 'en')),
--lite     snapshot        TEXT,
--lite     dedupe_key      TEXT    UNIQUE,
--lite     state           TEXT    NOT NULL DEFAULT 'pending'
--lite         CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
--lite     attempts        INTEGER NOT NULL DEFAULT 0,
--lite     next_attempt_at INTEGER NOT NULL,
--lite     lease_owner     TEXT,
--lite     lease_until     INTEGER,
--lite     last_error      TEXT,
--lite     created_at      INTEGER NOT NULL,
--lite     sent_at         INTEGER,
--lite     message_id      TEXT,
--lite     smtp_reply      TEXT
--lite ) STRICT;
--lite INSERT INTO mail_jobs_new SELECT * FROM mail_jobs;
--lite DROP TABLE mail_jobs;
--lite ALTER TABLE mail_jobs_new RENAME TO mail_jobs;
--lite CREATE INDEX mail_jobs_due ON mail_jobs (next_attempt_at) WHERE state = 'pending';
--lite CREATE INDEX mail_jobs_by_series ON mail_jobs (series_id);

--pg   GRANT SELECT, INSERT, UPDATE, DELETE ON lots, dose_records, dose_data, vouchers TO sesshu_office;
--pg   -- The public process gives vouchers: it may write one and see that it was
--pg   -- given (and collected), never read the sealed number back.
--pg   GRANT SELECT, INSERT, UPDATE (given_at) ON vouchers TO sesshu_public;
--pg   GRANT SELECT (series_id, dose, field, key_id, updated_at), INSERT, DELETE ON dose_data
--pg       TO sesshu_public;
--pg   GRANT UPDATE (key_id, sealed, updated_at) ON dose_data TO sesshu_public;
--pg