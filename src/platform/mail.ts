/**
 * E-mail (R4.3 alerts, digests, R6.5 reminders). Modules call `queueMail` inside the transaction that causes the
 * e-mail, so an alert and its e-mail are stored together or not at all; `startMailer` (run by `osprey serve`) sends the
 * outbox over SMTP with nodemailer and retries with growing waits, so a mail server that is down delays mail but never
 * loses it.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Clock } from './context.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

export interface OutgoingMail {
  schoolId: string;
  /** What the e-mail is for, e.g. `alert`, `digest`, `agreement_reminder` (kept for counts and troubleshooting). */
  purpose?: string;
  to: string;
  subject: string;
  text: string;
}

/** Retry waits after a failed attempt, in minutes; after the last one the message is marked as given up. */
const RETRY_MINUTES = [1, 5, 15, 60, 180, 360, 720];
const BATCH = 50;

const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

export function isEmailAddress(value: string): boolean {
  return EMAIL.test(value);
}

/** Puts an e-mail in the outbox (in the caller's transaction when given one). Returns its id. */
export async function queueMail(db: Kysely<Database> | Transaction<Database>, mail: OutgoingMail, now: Date): Promise<string> {
  if (!isEmailAddress(mail.to)) throw new Error(`not an e-mail address: '${mail.to}'`);
  const id = randomUUID();
  await db.insertInto('mail_outbox').values({
    id,
    school_id: mail.schoolId,
    purpose: mail.purpose ?? 'notice',
    to_address: mail.to,
    subject: mail.subject.replace(/[\r\n]+/g, ' ').slice(0, 250),
    body_text: mail.text,
    created_at: now,
    next_attempt_at: now,
  }).execute();
  return id;
}

export interface MailDeps { db: Db; clock: Clock; config: Pick<Config, 'smtpUrl' | 'mailFrom'> }

export interface SendResult { sent: number; retrying: number; gaveUp: number }

/**
 * Sends every message that is due, oldest first. Each message is claimed by moving its next attempt forward before
 * sending, so two senders (two serve processes on one PostgreSQL database) never send the same message twice.
 */
export async function sendQueuedMail(deps: MailDeps): Promise<SendResult> {
  const result: SendResult = { sent: 0, retrying: 0, gaveUp: 0 };
  if (!deps.config.smtpUrl) return result;
  const transport = nodemailer.createTransport(deps.config.smtpUrl);
  try {
    for (;;) {
      const now = deps.clock.now();
      const due = await deps.db.selectFrom('mail_outbox').selectAll()
        .where('sent_at', 'is', null).where('gave_up_at', 'is', null).where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at').limit(BATCH).execute();
      if (due.length === 0) return result;
      for (const m of due) {
        const retryAt = new Date(now.getTime() + (RETRY_MINUTES[Math.min(m.attempts, RETRY_MINUTES.length - 1)] ?? 1) * 60_000);
        const claimed = await deps.db.updateTable('mail_outbox')
          .set({ next_attempt_at: retryAt, attempts: m.attempts + 1 })
          .where('id', '=', m.id).where('attempts', '=', m.attempts).where('sent_at', 'is', null)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) continue;
        try {
          await transport.sendMail({ from: deps.config.mailFrom, to: m.to_address, subject: m.subject, text: m.body_text });
          await deps.db.updateTable('mail_outbox').set({ sent_at: deps.clock.now(), last_error: null }).where('id', '=', m.id).execute();
          result.sent++;
        } catch (e) {
          const giveUp = m.attempts + 1 >= RETRY_MINUTES.length;
          await deps.db.updateTable('mail_outbox')
            .set({ last_error: (e as Error).message.slice(0, 500), gave_up_at: giveUp ? deps.clock.now() : null })
            .where('id', '=', m.id).execute();
          if (giveUp) result.gaveUp++; else result.retrying++;
        }
      }
    }
  } finally {
    transport.close();
  }
}

export interface OutboxCounts { waiting: number; sent: number; gaveUp: number }

export async function outboxCounts(db: Db, schoolId: string): Promise<OutboxCounts> {
  const rows = await db.selectFrom('mail_outbox')
    .select((eb) => [
      eb.fn.count<string>('id').filterWhere('sent_at', 'is', null).filterWhere('gave_up_at', 'is', null).as('waiting'),
      eb.fn.count<string>('id').filterWhere('sent_at', 'is not', null).as('sent'),
      eb.fn.count<string>('id').filterWhere('gave_up_at', 'is not', null).as('gave_up'),
    ])
    .where('school_id', '=', schoolId).executeTakeFirstOrThrow();
  return { waiting: Number(rows.waiting), sent: Number(rows.sent), gaveUp: Number(rows.gave_up) };
}

export interface Mailer {
  /** Sends what is due now (also called by tests and after an alert is raised, to avoid waiting for the timer). */
  nudge(): Promise<SendResult>;
  stop(): Promise<void>;
}

/** The outbox sender `osprey serve` runs: every few seconds, and at once when nudged. */
export function startMailer(deps: MailDeps & { log?: { warn(obj: unknown, msg?: string): void } }, intervalMs = 5000): Mailer {
  let running: Promise<SendResult> | undefined;
  let stopped = false;
  const run = (): Promise<SendResult> => {
    if (running) return running;
    running = sendQueuedMail(deps)
      .then((r) => {
        if (r.retrying || r.gaveUp) deps.log?.warn({ retrying: r.retrying, gaveUp: r.gaveUp }, 'some e-mails could not be sent; the mail server said no or could not be reached');
        return r;
      })
      .catch((e: unknown) => {
        deps.log?.warn({ err: e }, 'the e-mail outbox could not be read');
        return { sent: 0, retrying: 0, gaveUp: 0 };
      })
      .finally(() => { running = undefined; });
    return running;
  };
  const timer = setInterval(() => { if (!stopped) void run(); }, intervalMs);
  timer.unref();
  return {
    nudge: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
