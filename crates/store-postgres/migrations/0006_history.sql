-- A person's vaccination history on "my reservation" (docs/elsewhere.md):
-- the public process reads which of their doses were given here, and when.
-- Only these columns: who gave it, with which lot, at which site and what
-- was decided stay the back office's. (SQLite has no roles: no twin.)
GRANT SELECT (series_id, dose, vaccinated_at) ON dose_records TO sesshu_public;
