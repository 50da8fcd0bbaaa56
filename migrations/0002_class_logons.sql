-- R1.3: individual accounts, except shared class log-ons for KS1 and below, which are allowed but flagged as a risk
-- (S0: activity on a shared log-on cannot be traced to one child).
alter table people add column kind text not null default 'individual' check (kind in ('individual', 'class_logon'));
