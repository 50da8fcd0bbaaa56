-- Repeated blocks (issue 18): a device that asks for the same blocked name again and again within a short time is
-- stored as one row, not one row per request, so that a flood costs bytes, not rows. Only blocked requests with
-- exactly the same details (person, device, address, host, address asked for, category, reason, policy, front-end,
-- node) within one batch of the writer, within a minute and within one quarter-hour, are folded (src/activity/writer.ts).
-- The row is the first request's (its id and time); `count` is how many requests it holds, `last_at` the time of the
-- last, and `folded`/`folded_ms` the ids of the others and their times (milliseconds after the row's time), so that
-- nothing is lost: every request can still be found by its id, re-scored and counted. A single request has count 1
-- and no last_at.
alter table activity add column count integer not null default 1;
alter table activity add column last_at timestamptz;
alter table activity add column folded uuid[];
alter table activity add column folded_ms integer[];

-- The writer asks, for each batch with blocked requests, which folded rows still run at the batch's first time (to
-- find requests already stored inside one after a crash): only folded rows are indexed, so this costs single
-- requests nothing.
create index activity_folded on activity (last_at) where count > 1;
