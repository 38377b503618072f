-- The vaccination day (docs/vaccination-day.md): check-in tokens, the lot
-- register, what happened at each dose, sealed answers and vouchers, and the
-- mails that follow.

-- The token in a confirmation's QR code: random, replaced at every change of
-- the reservation and cleared when it is cancelled, so an old code checks no
-- one in. Not derived from anything: 128 random bits, 32 hex digits
-- (gen_random_bytes needs pgcrypto; a version-4 UUID's 122 random bits from
-- the server's strong generator serve for the reservations made before).
ALTER TABLE series ADD COLUMN check_in_token TEXT;
UPDATE series SET check_in_token = upper(replace(gen_random_uuid()::text, '-', ''))
    WHERE state = 'booked';
CREATE UNIQUE INDEX series_by_check_in_token ON series (check_in_token);

-- A venue's vaccine lots (ロット): the doses a lot holds and how many were
-- given. A lot past its expiry day (Asia/Tokyo) gives no dose.
CREATE TABLE lots (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id      BIGINT      NOT NULL REFERENCES venues (id),
    vaccine_id    BIGINT      NOT NULL REFERENCES vaccines (id),
    number        TEXT        NOT NULL,
    expires_on    DATE        NOT NULL,
    doses         INTEGER     NOT NULL CHECK (doses > 0),
    used          INTEGER     NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= doses),
    registered_at TIMESTAMPTZ NOT NULL,
    UNIQUE (venue_id, number)
);

-- What happened at a dose's appointment after its check-in: the
-- questionnaire (予診票) collected, the doctor's decision, the vaccination.
-- The answers and the reason of a decision are sealed in dose_data.
CREATE TABLE dose_records (
    series_id        BIGINT      NOT NULL REFERENCES series (id),
    dose             INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    questionnaire_at TIMESTAMPTZ,
    decision         TEXT
        CHECK (decision IN ('vaccinate', 'postpone', 'contraindicated', 'refused', 'unwell')),
    decided_at       TIMESTAMPTZ,
    vaccinated_at    TIMESTAMPTZ,
    lot_id           BIGINT      REFERENCES lots (id),
    given_by         TEXT,
    site             TEXT        CHECK (site IN ('left_arm', 'right_arm')),
    updated_at       TIMESTAMPTZ NOT NULL,
    updated_by       BIGINT      NOT NULL REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((decision IS NULL) = (decided_at IS NULL)),
    CHECK ((vaccinated_at IS NULL) = (lot_id IS NULL)
       AND (vaccinated_at IS NULL) = (given_by IS NULL)
       AND (vaccinated_at IS NULL) = (site IS NULL)),
    CHECK (vaccinated_at IS NULL OR decision = 'vaccinate')
);

-- Personal data of a dose, sealed to the back office's key like
-- personal_data (the owner bound into each value is the person's and the
-- dose's): the questionnaire's answers that decide, the reason of a
-- decision, the voucher's number.
CREATE TABLE dose_data (
    series_id  BIGINT      NOT NULL REFERENCES series (id),
    dose       INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    field      TEXT        NOT NULL CHECK (field IN ('questionnaire', 'decision_reason', 'voucher')),
    key_id     TEXT        NOT NULL,
    sealed     BYTEA       NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (series_id, dose, field)
);

-- Vouchers (接種券): given (online, or entered at the desk) and collected at
-- the desk (the sticker goes on the questionnaire). The number is in
-- dose_data.
CREATE TABLE vouchers (
    series_id    BIGINT      NOT NULL REFERENCES series (id),
    dose         INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    given_at     TIMESTAMPTZ NOT NULL,
    collected_at TIMESTAMPTZ,
    collected_by BIGINT      REFERENCES admin_accounts (id),
    PRIMARY KEY (series_id, dose),
    CHECK ((collected_at IS NULL) = (collected_by IS NULL))
);

-- The mails of the day and after it: a decision to postpone or not to
-- vaccinate, a missed appointment cancelled, a voucher still to bring.
ALTER TABLE mail_jobs DROP CONSTRAINT mail_jobs_kind_check;
ALTER TABLE mail_jobs ADD CONSTRAINT mail_jobs_kind_check CHECK (kind IN ('booked', 'changed',
    'cancelled', 'reminder', 'postponed', 'not_vaccinated', 'no_show', 'voucher_reminder'));

GRANT SELECT, INSERT, UPDATE, DELETE ON lots, dose_records, dose_data, vouchers TO sesshu_office;
-- The public process gives vouchers: it may write one and see that it was
-- given (and collected), never read the sealed number back.
GRANT SELECT, INSERT, UPDATE (given_at) ON vouchers TO sesshu_public;
GRANT SELECT (series_id, dose, field, key_id, updated_at), INSERT, DELETE ON dose_data
    TO sesshu_public;
GRANT UPDATE (key_id, sealed, updated_at) ON dose_data TO sesshu_public;
