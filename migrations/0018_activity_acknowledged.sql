-- R2.4 "warn: continue after acknowledging; logged": the request a person made after choosing Continue on a warning
-- page is marked, so the Activity page, its CSV and reports can say who went on past a warning. Until now the proxy
-- knew it but the activity table had nowhere to keep it.
alter table activity add column acknowledged boolean not null default false;
