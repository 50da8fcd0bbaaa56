-- A two-step code may be used once: remember the last 30-second step accepted for each account (RFC 6238 §5.2).
alter table accounts add column mfa_last_step bigint;
