-- The monitoring stage's watermark says whether it was written by a clean stop (every stored event scored, nothing
-- left in its queue). A start after a clean stop scores from the watermark itself; after a crash it goes back
-- CATCH_UP_MS before it, for events committed in the moment before the crash but not yet handed to monitoring.
alter table monitoring_state add column clean boolean not null default false;
