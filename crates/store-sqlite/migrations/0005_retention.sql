-- Retention (docs/retention.md): per institution, the last day of its
-- campaign (Asia/Tokyo, YYYY-MM-DD; NULL: not over, nothing is purged) and
-- the months its consent text promises to keep personal data after it
-- (NULL: the consortium's default, `[retention] default_months`), and when
-- its personal data was last purged. A table of its own rather than
-- columns of `institutions`: on PostgreSQL the public process, which reads
-- the institutions, gains nothing.
CREATE TABLE institution_retention (
    institution_id    INTEGER PRIMARY KEY REFERENCES institutions (id) ON DELETE CASCADE,
    campaign_ended_on TEXT,
    months            INTEGER CHECK (months BETWEEN 0 AND 120),
    purged_at         INTEGER
) STRICT;
