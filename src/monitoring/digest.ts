/**
 * The digest (R4.3: "at least a weekly digest otherwise"): alerts whose rule says `digest` are collected and sent as
 * one e-mail per person they are routed to — weekly by default, daily if the school chooses. Like the immediate
 * e-mail it holds counts and a link, never names, phrases or addresses. The clock is injected, so tests move time.
 */
import { sql } from 'kysely';
import { appendAudit } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { queueMail } from '../platform/mail.ts';
import { CATEGORY_NAMES, isPhraseCategory } from './matcher.ts';
import { peopleWithRoles } from './store.ts';

const PERIOD_MS = { daily: 24 * 3600_000, weekly: 7 * 24 * 3600_000 } as const;

export interface DigestDeps { db: Db; clock: Clock; publicUrl: string }
export interface DigestResult { schoolId: string; alerts: number; mails: number }

/** Sends the digest of every school whose digest is due; returns what was sent. */
export async function sendDueDigests(deps: DigestDeps): Promise<DigestResult[]> {
  const now = deps.clock.now();
  const schools = await deps.db.selectFrom('monitoring_settings').selectAll().execute();
  const results: DigestResult[] = [];
  for (const s of schools) {
    const since = new Date(s.last_digest_at ?? s.seeded_at).getTime();
    if (now.getTime() - since < PERIOD_MS[s.digest_frequency]) continue;
    results.push(await sendDigest(deps, s.school_id, s.digest_frequency, now));
  }
  return results;
}

async function sendDigest(deps: DigestDeps, schoolId: string, frequency: 'daily' | 'weekly', now: Date): Promise<DigestResult> {
  return deps.db.transaction().execute(async (tx) => {
    // Claim the run first, so a second server sharing the database does not send the same digest.
    const claimed = await tx.updateTable('monitoring_settings').set({ last_digest_at: now }).where('school_id', '=', schoolId)
      .where(sql<boolean>`coalesce(last_digest_at, seeded_at) <= ${new Date(now.getTime() - PERIOD_MS[frequency])}`).returning('school_id').executeTakeFirst();
    if (!claimed) return { schoolId, alerts: 0, mails: 0 };
    const alerts = await tx.selectFrom('alerts').select(['id', 'kind', 'category', 'severity', 'route_roles', 'status'])
      .where('school_id', '=', schoolId).where('delivery', '=', 'digest').where('digested_at', 'is', null).where('created_at', '<=', now).execute();
    if (alerts.length === 0) return { schoolId, alerts: 0, mails: 0 };
    const roles = [...new Set(alerts.flatMap((a) => a.route_roles))];
    const people = await peopleWithRoles(tx, schoolId, roles);
    let mails = 0;
    for (const p of people) {
      const mine = alerts.filter((a) => a.route_roles.some((r) => p.roles.includes(r)));
      if (mine.length === 0 || !p.email) continue;
      const counts = new Map<string, number>();
      for (const a of mine) {
        const what = a.category && isPhraseCategory(a.category) ? CATEGORY_NAMES[a.category] : a.kind === 'repeated_blocks' ? 'Repeated blocked attempts' : (a.category ?? a.kind);
        const key = `${a.severity}: ${what}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const open = mine.filter((a) => a.status === 'open').length;
      await queueMail(tx, {
        schoolId, purpose: 'alert_digest', to: p.email,
        subject: `Osprey: ${frequency === 'weekly' ? 'weekly' : 'daily'} digest: ${mine.length} lower-priority alert${mine.length === 1 ? '' : 's'} to review`,
        text: [
          `Since the last digest, Osprey's monitoring has raised ${mine.length} lower-priority alert${mine.length === 1 ? '' : 's'} for you to review (${open} still open):`,
          '',
          ...[...counts].sort().map(([k, n]) => `  ${n} × ${k}`),
          '',
          `Review them in Osprey: ${deps.publicUrl.replace(/\/$/, '')}/alerts`,
          '',
          'Urgent alerts (illegal content, self-harm, extremism) are never held for the digest: they were sent to you at once.',
        ].join('\n'),
      }, now);
      mails++;
    }
    await tx.updateTable('alerts').set({ digested_at: now }).where('id', 'in', alerts.map((a) => a.id)).execute();
    await appendAudit(tx, { id: null, label: 'monitoring digest', schoolId }, { action: 'alerts.digest_sent', entityType: 'alert', details: { alerts: alerts.length, mails } }, now);
    return { schoolId, alerts: alerts.length, mails };
  });
}
