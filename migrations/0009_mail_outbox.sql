-- E-mail outbox: alerts, digests and reminders are written here in the same transaction as the change that causes
-- them, and a sender in `osprey serve` delivers them over SMTP with retries, so a mail server that is down for an hour
-- delays an e-mail but never loses it.
create table mail_outbox (
  id uuid primary key,
  school_id uuid not null references schools(id),
  purpose text not null,
  to_address text not null,
  subject text not null,
  body_text text not null,
  created_at timestamptz not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  sent_at timestamptz,
  gave_up_at timestamptz,
  last_error text
);
create index mail_outbox_due on mail_outbox (next_attempt_at) where sent_at is null and gave_up_at is null;
create index mail_outbox_school on mail_outbox (school_id, created_at);
