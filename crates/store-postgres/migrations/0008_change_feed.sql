-- Commits are announced by the process after they commit (NOTIFY
-- sesshu_changes, coalesced: crates/store-postgres/src/lib.rs), not from
-- inside the transaction. A NOTIFY in a transaction serialises the commits of
-- every notifying transaction (PostgreSQL takes one lock for the queue from
-- before the commit until after its WAL flush), and every booking queues a
-- mail: on a durable cluster the trigger cost four fifths of the bookings.
DROP TRIGGER mail_jobs_notify ON mail_jobs;
DROP FUNCTION sesshu_mail_queued();
