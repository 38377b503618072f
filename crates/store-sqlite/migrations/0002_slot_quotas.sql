-- Quotas per institution inside a slot (allocations as the supply arrives):
-- at most `places` of the slot's places for that institution's people. The
-- booking transaction counts the institution's places under the slot's lock.
CREATE TABLE slot_quotas (
    slot_id        INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (slot_id, institution_id)
);
