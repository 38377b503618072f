-- Retention (docs/retention.md): per institution, the last day of its
-- campaign (Asia/Tokyo; NULL: not over, nothing is purged) and the months
-- its consent text promises to keep personal data after it (NULL: the
-- consortium's default, `[retention] default_months`), and when its
-- personal data was last purged. A table of its own rather than columns of
-- `institutions`: the public process, which reads the institutions, gains
-- nothing.
CREATE TABLE institution_retention (
    institution_id    BIGINT      PRIMARY KEY REFERENCES institutions (id) ON DELETE CASCADE,
    campaign_ended_on DATE,
    months            INTEGER     CHECK (months BETWEEN 0 AND 120),
    purged_at         TIMESTAMPTZ
);

-- The back office sets it and purges (the purge's deletions and updates of
-- the other tables are granted to it already, by 0002, 0004 and 0005). The
-- public role gets nothing here.
GRANT SELECT, INSERT, UPDATE, DELETE ON institution_retention TO sesshu_office;
