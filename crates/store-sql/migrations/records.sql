-- After the vaccination (docs/records.md): the codes the registers need for
-- each vaccine, the doses people received elsewhere, and which doses were
-- handed to the national Vaccination Record System (VRS).

-- The vaccine's CVX code (HL7's vaccine codes, for FHIR) and its maker
-- (製造販売業者, for VRS); empty until set.
ALTER TABLE vaccines ADD COLUMN cvx_code TEXT NOT NULL DEFAULT '';
ALTER TABLE vaccines ADD COLUMN maker TEXT NOT NULL DEFAULT '';

-- A dose received elsewhere (another venue, a clinic, abroad), keyed by the
-- person's login in their institution so that an office's history import
-- holds for people who have not logged in yet. Declared by the person, or
-- entered or imported by the office; confirmed by the office.
CREATE TABLE external_doses (
--pg       institution_id BIGINT      NOT NULL REFERENCES institutions (id),
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id),
--pg       subject        TEXT        NOT NULL,
--lite     subject        TEXT    NOT NULL,
--pg       dose           INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose           INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       given_on       DATE        NOT NULL,
--lite     given_on       TEXT    NOT NULL,
--pg       product        TEXT        NOT NULL,
--lite     product        TEXT    NOT NULL,
--pg       place          TEXT        NOT NULL DEFAULT '',
--lite     place          TEXT    NOT NULL DEFAULT '',
--pg       source         TEXT        NOT NULL CHECK (source IN ('declared', 'office', 'import')),
--lite     source         TEXT    NOT NULL CHECK (source IN ('declared', 'office', 'import')),
--pg       recorded_at    TIMESTAMPTZ NOT NULL,
--lite     recorded_at    INTEGER NOT NULL,
--pg       confirmed_at   TIMESTAMPTZ,
--lite     confirmed_at   INTEGER,
--pg       confirmed_by   BIGINT      REFERENCES admin_accounts (id),
--lite     confirmed_by   INTEGER REFERENCES admin_accounts (id),
    PRIMARY KEY (institution_id, subject, dose),
    CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL))
--pg   );
--lite ) STRICT;

-- The doses handed to VRS: an export marks them, so that a later export
-- shows them as sent and "only new" leaves them out.
CREATE TABLE vrs_exports (
--pg       series_id         BIGINT      NOT NULL REFERENCES series (id),
--lite     series_id         INTEGER NOT NULL REFERENCES series (id),
--pg       dose              INTEGER     NOT NULL CHECK (dose IN (1, 2)),
--lite     dose              INTEGER NOT NULL CHECK (dose IN (1, 2)),
--pg       first_exported_at TIMESTAMPTZ NOT NULL,
--lite     first_exported_at INTEGER NOT NULL,
--pg       last_exported_at  TIMESTAMPTZ NOT NULL,
--lite     last_exported_at  INTEGER NOT NULL,
--pg       exports           INTEGER     NOT NULL DEFAULT 1 CHECK (exports > 0),
--lite     exports           INTEGER NOT NULL DEFAULT 1 CHECK (exports > 0),
    PRIMARY KEY (series_id, dose)
--pg   );
--lite ) STRICT;

--pg   GRANT SELECT, INSERT, UPDATE, DELETE ON external_doses, vrs_exports TO sesshu_office;
--pg   -- The public process records a person's own declaration and reads their
--pg   -- history; confirming is the office's.
--pg   GRANT SELECT, INSERT, DELETE ON external_doses TO sesshu_public;
--pg   GRANT UPDATE (given_on, product, place, recorded_at) ON external_doses TO sesshu_public;
--pg