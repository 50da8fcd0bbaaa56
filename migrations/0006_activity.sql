-- Activity (R2.8, R4.1): one row per filtering decision, written in batches by the activity pipeline from its spool.
-- Partitioned by UTC day (activity_pYYYYMMDD, created by the writer) so that retention drops whole days. The primary
-- key must include the partition key, hence (time, id); an event's time never changes, so a replayed event meets its
-- own row and is skipped. No foreign keys: a lookup per inserted row would halve the write rate, and an event must be
-- kept even if the person it names is later removed.
create table activity (
  id uuid not null,
  time timestamptz not null,
  school_id uuid not null,
  person_id uuid,
  username text,
  device_id text,
  ip inet,
  host text not null,
  -- The registrable domain of host (news.bbc.co.uk → bbc.co.uk): "bbc.co.uk and everything under it" is one index range.
  domain text not null,
  url text,
  search_term text,
  category_id text,
  action text not null,
  reason text not null,
  policy_id text not null,
  rule_id text,
  source_id text,
  circumvention boolean not null default false,
  front_end text not null,
  node text not null,
  primary key (time, id)
) partition by range (time);

-- One index per way the DSL searches, each ending in time so that "newest first" reads the index in order.
-- Every index costs insert speed (see bench/ingest.ts), so only these. Measured (COPY, PostgreSQL 15, 200,000 events):
-- about 7 µs of server CPU per event with the primary key alone, 13 µs with these five. Nearly all of it is the three
-- indexes on every row (person, domain, ip); the two partial ones index a fraction of the rows (devices known by
-- name; requests not allowed) and cost little. None can go without a search losing its index: person → a person's
-- timeline and a group's; domain → the host search ("bbc.co.uk and everything under it"); ip → an unidentified
-- device's address or a network (<<=, which a btree on inet serves); device → a named laptop; not allowed → "blocked
-- in the last week", whose matches are a few per cent of a week of partitions. BRIN suits only time, which the
-- primary key already orders; leading with school_id would add a column to every entry for the one school most
-- servers hold (the condition on school_id is checked on the rows found). Searches by category or action = 'allow'
-- alone read the primary key newest first and stop at a page.
create index activity_by_person on activity (person_id, time) where person_id is not null;
create index activity_by_domain on activity (domain, time);
create index activity_by_ip on activity (ip, time);
create index activity_by_device on activity (device_id, time) where device_id is not null;
-- Blocked, warned and monitored requests are a small share of traffic and the most searched.
create index activity_not_allowed on activity (time) where action <> 'allow';

-- Daily totals for reports (blocked attempts per day × category × action × policy), added to by the writer in the
-- same transaction as the insert, counting only events actually inserted. `day` is in the school's time zone;
-- `category_id` is '' for uncategorised sites. Kept when retention drops the events: no personal details.
create table activity_daily (
  school_id uuid not null,
  day date not null,
  category_id text not null,
  action text not null,
  policy_id text not null,
  events bigint not null,
  primary key (school_id, day, category_id, action, policy_id)
);
