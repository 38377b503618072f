-- Quotas per institution inside a slot (allocations as the supply arrives):
-- at most `places` of the slot's places for that institution's people. The
-- booking transaction counts the institution's places under the slot's lock.
CREATE TABLE slot_quotas (
    slot_id        BIGINT  NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    institution_id BIGINT  NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (slot_id, institution_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON slot_quotas TO sesshu_office;
-- The public process books: it reads the quotas (and changes none).
GRANT SELECT ON slot_quotas TO sesshu_public;
