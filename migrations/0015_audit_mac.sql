-- Issue 11: each audit entry also carries a MAC of its hash keyed with the installation secret (secret.key), so
-- someone with access to the database alone cannot rewrite entries and recompute the chain. Entries written before
-- this version have none; `osprey audit verify` says how many.
alter table audit_log add column mac text;
