-- Quotas per institution inside a slot (allocations as the supply arrives):
-- at most `places` of the slot's places for that institution's people. The
-- booking transaction counts the institution's places under the slot's lock.
CREATE TABLE slot_quotas (
    slot_id        INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (slot_id, institution_id)
);

-- Quotas per institution for a day at a venue: at most `places` of the
-- places of that day's slots there (any dose) for the institution's people.
-- `day` is the Asia/Tokyo date, YYYY-MM-DD.
CREATE TABLE day_quotas (
    venue_id       INTEGER NOT NULL REFERENCES venues (id),
    day            TEXT    NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (venue_id, day, institution_id)
);
