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
    institution_id BIGINT      NOT NULL REFERENCES institutions (id),
    subject        TEXT        NOT NULL,
    dose           INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    given_on       DATE        NOT NULL,
    product        TEXT        NOT NULL,
    place          TEXT        NOT NULL DEFAULT '',
    source         TEXT        NOT NULL CHECK (source IN ('declared', 'office', 'import')),
    recorded_at    TIMESTAMPTZ NOT NULL,
    confirmed_at   TIMESTAMPTZ,
    confirmed_by   BIGINT      REFERENCES admin_accounts (id),
    PRIMARY KEY (institution_id, subject, dose),
    CHECK ((confirmed_at IS NULL) = (confirmed_by IS NULL))
);

-- The doses handed to VRS: an export marks them, so that a later export
-- shows them as sent and "only new" leaves them out.
CREATE TABLE vrs_exports (
    series_id         BIGINT      NOT NULL REFERENCES series (id),
    dose              INTEGER     NOT NULL CHECK (dose IN (1, 2)),
    first_exported_at TIMESTAMPTZ NOT NULL,
    last_exported_at  TIMESTAMPTZ NOT NULL,
    exports           INTEGER     NOT NULL DEFAULT 1 CHECK (exports > 0),
    PRIMARY KEY (series_id, dose)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON external_doses, vrs_exports TO sesshu_office;
-- The public process records a person's own declaration and reads their
-- history; confirming is the office's.
GRANT SELECT, INSERT, DELETE ON external_doses TO sesshu_public;
GRANT UPDATE (given_on, product, place, recorded_at) ON external_doses TO sesshu_public;
