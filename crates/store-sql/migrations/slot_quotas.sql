-- Quotas per institution inside a slot (allocations as the supply arrives):
-- at most `places` of the slot's places for that institution's people. The
-- booking transaction counts the institution's places under the slot's lock.
CREATE TABLE slot_quotas (
--pg       slot_id        BIGINT  NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
--lite     slot_id        INTEGER NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
--pg       institution_id BIGINT  NOT NULL REFERENCES institutions (id),
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (slot_id, institution_id)
);

-- Quotas per institution for a day at a venue: at most `places` of the
-- places of that day's slots there (any dose) for the institution's people.
--pg   -- `day` is the Asia/Tokyo date. A booking takes a transaction-scoped
--pg   -- advisory lock on (venue, day, institution) before counting, so that
--pg   -- institution's bookings of that day take turns (no privilege needed).
--lite -- `day` is the Asia/Tokyo date, YYYY-MM-DD.
CREATE TABLE day_quotas (
--pg       venue_id       BIGINT  NOT NULL REFERENCES venues (id),
--lite     venue_id       INTEGER NOT NULL REFERENCES venues (id),
--pg       day            DATE    NOT NULL,
--lite     day            TEXT    NOT NULL,
--pg       institution_id BIGINT  NOT NULL REFERENCES institutions (id),
--lite     institution_id INTEGER NOT NULL REFERENCES institutions (id),
    places         INTEGER NOT NULL CHECK (places >= 0),
    PRIMARY KEY (venue_id, day, institution_id)
);

--pg   GRANT SELECT, INSERT, UPDATE, DELETE ON slot_quotas, day_quotas TO sesshu_office;
--pg   -- The public process books: it reads the quotas and changes none.
--pg   GRANT SELECT ON slot_quotas, day_quotas TO sesshu_public;
--pg