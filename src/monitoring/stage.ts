/**
 * The monitoring stage (R4.2, R4.3, R2.13): scores newly stored activity events against each school's phrase lists,
 * checks them against its alert rules, and raises alerts (with evidence and the person's recent activity) and
 * e-mails for the immediate ones.
 *
 * How it gets events, and why: the activity pipeline calls `onStored` with each batch's lines right after the batch
 * is committed (pipeline option onStored), so monitoring reads nothing back from the database and costs only its
 * scoring (bench/monitor.ts). Scoring runs off the writer's path: batches wait in a queue here.
 * Nothing stored is missed across a restart: a durable watermark (table monitoring_state) says "every stored event
 * older than this has been scored" — it is the oldest event time still queued, or the newest scored when the queue
 * is empty — and at start the stage scores again every stored event from the watermark less a margin (CATCH_UP_MS),
 * or from the watermark itself when a clean stop wrote it (the composition stops the activity pipeline first, so
 * every stored event had been handed over and scored; a restart then re-scores almost nothing).
 * Nothing is alerted twice: alerts are keyed (rule, person, half-hour) and evidence (alert, event), both inserted
 * with ON CONFLICT DO NOTHING, and an e-mail goes only with a newly created alert, in the same transaction.
 * (The one gap: a process killed between a commit and the hand-over, for events older than the watermark less the
 * margin — events that waited in a filter node's spool for longer than that, then arrived in that instant.)
 */
import { sql } from 'kysely';
import { decodeLine, type StoredEvent } from '../activity/index.ts';
import { findActivity, type ActivityRow } from '../activity/index.ts';
import { appendAuditMany, type AuditEvent } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import { queueMail } from '../platform/mail.ts';
import { compileMatcher, CATEGORY_NAMES, isPhraseCategory, type Matcher, type ScoreResult } from './matcher.ts';
import { urlText } from './normalise.ts';
import { firstRuleHit, isIllegalAttempt, type RuleHit } from './rules.ts';
import { RecentBlocks } from './blocks.ts';
import { ensureMonitoringDefaults } from './defaults.ts';
import {
  addEvidence, insertAlert, listRules, listsVersion, loadPhrases, peopleWithRoles, readWatermark, writeWatermark, type RuleRow,
} from './store.ts';

/** How far before the watermark the catch-up starts: events committed out of order within this are not missed. */
export const CATCH_UP_MS = 10 * 60_000;
/** Repeats by one person under one rule within this bucket are one alert (more evidence, no new e-mail). */
export const ALERT_BUCKET_MS = 30 * 60_000;
/** Events of the person's recent activity kept with an alert. */
export const CONTEXT_EVENTS = 20;
/** Events kept as evidence of one alert (per process): a flood of the same search adds nothing more a DSL needs. */
export const MAX_EVIDENCE = 50;

export interface StageLogger { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void }
const silent: StageLogger = { info() {}, warn() {}, error() {} };

export interface MonitoringStageOptions {
  db: Db;
  clock: Clock;
  /** The address people use to reach Osprey, for the link in alert e-mails (known once the server listens). */
  publicUrl: () => string;
  log?: StageLogger;
  /** How often the stage looks for phrase-list or rule changes (ms). */
  reloadMs?: number;
}

/** The parts of an event monitoring reads (a spooled line, or a row read back in the catch-up). */
export interface MonitoredEvent {
  id: string; time: number; schoolId: string; personId?: string | null; username?: string | null; deviceId?: string | null;
  ip?: string | null; host: string; url?: string | null; searchTerm?: string | null; categoryId?: string | null;
  action: string; reason: string; circumvention?: boolean | null;
}

/** A school's compiled lists and rules; `largestThreshold` is the most blocks any of its rules counts (blocks.ts). */
export interface SchoolMonitor { version: number; checkedAt: number; matcher: Matcher; rules: RuleRow[]; largestThreshold?: number }

/** The most blocked requests any of these rules counts. */
export function largestThresholdOf(rules: readonly RuleRow[]): number {
  let n = 0;
  for (const r of rules) if (r.kind === 'repeated_blocks' && r.threshold_count && r.threshold_count > n) n = r.threshold_count;
  return n;
}

export interface StageStats { scored: number; alertsRaised: number; evidenceAdded: number; queuedBatches: number; failures: number }

/** The texts of an event worth scoring: its search term, and its URL (or host alone, for HTTPS and DNS). */
export function textsOf(e: Pick<MonitoredEvent, 'searchTerm' | 'url' | 'host'>): string[] {
  const texts: string[] = [];
  if (e.searchTerm) texts.push(e.searchTerm);
  texts.push(e.url ? urlText(e.url) : e.host);
  return texts;
}

export class MonitoringStage {
  private readonly log: StageLogger;
  private readonly schools = new Map<string, SchoolMonitor>();
  private readonly queue: Array<{ events: MonitoredEvent[]; oldest: number }> = [];
  /** Recent blocked requests per person or address (bounded; O(1) per event: blocks.ts). */
  private readonly blocks = new RecentBlocks();
  /** Alerts this process has raised or added to, by school and key, with how much evidence it has added. */
  private readonly knownAlerts = new Map<string, { id: string; evidence: number }>();
  private running: Promise<void> | undefined;
  private newestScored = 0;
  /** The watermark found at start: still true when nothing is scored in this run. */
  private startMark = 0;
  private lastWatermarkWrite = 0;
  private stopped = false;
  private readonly s: StageStats = { scored: 0, alertsRaised: 0, evidenceAdded: 0, queuedBatches: 0, failures: 0 };

  constructor(private readonly opts: MonitoringStageOptions) {
    this.log = opts.log ?? silent;
  }

  stats(): StageStats {
    return { ...this.s, queuedBatches: this.queue.length };
  }

  /** The activity pipeline's listener: queues a committed batch. Never throws. */
  readonly onStored = (lines: readonly string[]): void => {
    if (this.stopped) return;
    const events: MonitoredEvent[] = [];
    let oldest = Infinity;
    for (const line of lines) {
      const e: StoredEvent | undefined = decodeLine(line);
      if (!e) continue;
      events.push(e);
      if (e.time < oldest) oldest = e.time;
    }
    if (events.length === 0) return;
    this.queue.push({ events, oldest });
    this.kick();
  };

  /** Scores again every stored event from the watermark less CATCH_UP_MS (see the header). */
  async catchUp(): Promise<number> {
    const state = await readWatermark(this.opts.db);
    if (!state) {
      await writeWatermark(this.opts.db, this.opts.clock.now());
      return 0;
    }
    this.startMark = state.watermark.getTime();
    // From here a crash must not look like a clean stop.
    if (state.clean) await writeWatermark(this.opts.db, state.watermark, false);
    let from = state.clean ? state.watermark : new Date(state.watermark.getTime() - CATCH_UP_MS);
    let afterId = '00000000-0000-0000-0000-000000000000';
    let total = 0;
    for (;;) {
      const rows = await sql<ActivityRow & { folded: string[] | null; folded_ms: number[] | null }>`
        select a.id, a.time, a.school_id, a.person_id, a.username, a.device_id, host(a.ip) as ip, a.host, a.url, a.search_term,
               a.category_id, a.action, a.reason, a.circumvention, a.count, a.folded, a.folded_ms
        from activity a where (a.time, a.id) > (${from}, ${afterId}::uuid) and a.time >= ${from}
        order by a.time, a.id limit 5000`.execute(this.opts.db);
      if (rows.rows.length === 0) break;
      const events: MonitoredEvent[] = [];
      for (const r of rows.rows) {
        const e: MonitoredEvent = {
          id: r.id, time: new Date(r.time).getTime(), schoolId: r.school_id, personId: r.person_id, username: r.username, deviceId: r.device_id,
          ip: r.ip, host: r.host, url: r.url, searchTerm: r.search_term, categoryId: r.category_id, action: r.action, reason: r.reason, circumvention: r.circumvention,
        };
        events.push(e);
        // Repeated blocks folded into one row (activity writer) are scored one by one, as they were made.
        (r.folded ?? []).forEach((id, i) => events.push({ ...e, id, time: e.time + Number(r.folded_ms?.[i] ?? 0) }));
      }
      if (events.length > rows.rows.length) events.sort((a, b) => a.time - b.time);
      await this.process(events);
      total += events.length;
      const last = rows.rows[rows.rows.length - 1];
      from = new Date(last.time);
      afterId = last.id;
    }
    await this.saveWatermark(true);
    return total;
  }

  /** Resolves when every batch handed over so far has been scored and its alerts stored. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    await this.drain();
    this.stopped = true;
    await this.saveWatermark(true, this.queue.length === 0).catch(() => undefined);
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.run().finally(() => { this.running = undefined; });
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue[0];
      try {
        await this.process(batch.events);
        this.queue.shift();
        await this.saveWatermark(false);
      } catch (e) {
        // The database is away: keep the batch (the watermark stays before it) and try again shortly.
        this.s.failures++;
        this.log.warn({ err: e }, 'monitoring: events could not be scored yet; trying again');
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
        if (this.stopped) return;
      }
    }
  }

  /** `clean`: written by a stop with nothing left to score (the next start need not look back; see catchUp). */
  private async saveWatermark(force: boolean, clean = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastWatermarkWrite < 1000) return;
    const oldestQueued = this.queue.reduce((m, b) => Math.min(m, b.oldest), Infinity);
    const mark = Number.isFinite(oldestQueued) ? oldestQueued : Math.max(this.newestScored, this.startMark);
    if (!mark) return;
    this.lastWatermarkWrite = now;
    await writeWatermark(this.opts.db, new Date(mark), clean);
  }

  /** The compiled lists and rules for a school, recompiled when its lists version moves. */
  async monitorFor(schoolId: string): Promise<SchoolMonitor> {
    const cached = this.schools.get(schoolId);
    const now = Date.now();
    if (cached && now - cached.checkedAt < (this.opts.reloadMs ?? 1000)) return cached;
    await ensureMonitoringDefaults(this.opts.db, schoolId, this.opts.clock.now());
    const version = await listsVersion(this.opts.db, schoolId);
    if (cached && cached.version === version) {
      cached.checkedAt = now;
      return cached;
    }
    const phrases = await loadPhrases(this.opts.db, schoolId);
    const rules = await listRules(this.opts.db, schoolId);
    const fresh: SchoolMonitor = { version, checkedAt: now, matcher: compileMatcher(phrases), rules, largestThreshold: largestThresholdOf(rules) };
    this.schools.set(schoolId, fresh);
    return fresh;
  }

  /** Forgets compiled lists, so the next event recompiles them (after a change made in this process). */
  invalidate(schoolId: string): void {
    this.schools.delete(schoolId);
  }

  /** Scores events and stores what the rules decide. Exposed for tests and the benchmark. */
  async process(events: readonly MonitoredEvent[]): Promise<void> {
    const hits: Array<{ e: MonitoredEvent; hit: RuleHit; result: ScoreResult }> = [];
    let current: SchoolMonitor | undefined;
    let currentSchool = '';
    for (const e of events) {
      if (e.schoolId !== currentSchool) {
        current = await this.monitorFor(e.schoolId);
        currentSchool = e.schoolId;
      }
      const hit = this.check(current!, e);
      if (hit) hits.push({ e, ...hit });
      if (e.time > this.newestScored) this.newestScored = e.time;
    }
    this.s.scored += events.length;
    // A flood meets its rule with every event; once its alert holds MAX_EVIDENCE there is nothing to store, and no
    // transaction is opened for it.
    const toStore = hits.filter(({ e, hit }) => (this.knownAlerts.get(`${e.schoolId}:${dedupeKeyOf(e, hit)}`)?.evidence ?? 0) < MAX_EVIDENCE);
    if (toStore.length > 0) await this.raiseAll(toStore);
  }

  /**
   * Pure apart from the per-person record of blocked requests: which rule, if any, this event meets. O(1) in the
   * number of blocks before it (blocks.ts).
   */
  check(m: SchoolMonitor, e: MonitoredEvent): { hit: RuleHit; result: ScoreResult } | null {
    const result = m.matcher.score(textsOf(e));
    const key = personKeyOf(e);
    let blocksAtLeast: ((threshold: number, windowMinutes: number) => boolean) | undefined;
    if (e.action === 'block' && key) {
      this.blocks.allowFor(m.largestThreshold ?? (m.largestThreshold = largestThresholdOf(m.rules)));
      blocksAtLeast = this.blocks.add(key, e.time);
    }
    const hit = firstRuleHit(m.rules, {
      action: e.action, reason: e.reason, categoryId: e.categoryId ?? null, circumvention: e.circumvention === true, result, blocksAtLeast,
    });
    return hit ? { hit, result } : null;
  }

  /**
   * Stores a batch's hits in one transaction: per hit, its alert (new, or the one already raised for the same rule,
   * person and half-hour) and the event as evidence (at most MAX_EVIDENCE per alert; a flood of the same search adds
   * nothing a DSL needs). Alerts this process already knows skip the insert attempt.
   */
  private async raiseAll(hits: Array<{ e: MonitoredEvent; hit: RuleHit; result: ScoreResult }>): Promise<void> {
    const db = this.opts.db;
    const now = this.opts.clock.now();
    await db.transaction().execute(async (tx) => {
      // One audit append per school for the batch (each append takes the chain's lock); recipients looked up once.
      const audits = new Map<string, AuditEvent[]>();
      const recipients = new Map<string, Promise<Array<{ id: string; email: string | null; roles: string[] }>>>();
      for (const { e, hit, result } of hits) {
        const dedupeKey = dedupeKeyOf(e, hit);
        let known = this.knownAlerts.get(`${e.schoolId}:${dedupeKey}`);
        if (known && known.evidence >= MAX_EVIDENCE) continue;
        if (!known) {
          const context = e.personId ? await recentContext(tx, e.schoolId, e.personId, e.time) : [];
          const alert = await insertAlert(tx, {
            schoolId: e.schoolId, dedupeKey, rule: hit.rule, category: hit.category, personId: e.personId ?? null, username: e.username ?? null,
            ip: e.ip ?? null, deviceId: e.deviceId ?? null, score: hit.score, eventTime: new Date(e.time), now, context,
          });
          known = { id: alert.id, evidence: 0 };
          this.remember(`${e.schoolId}:${dedupeKey}`, known);
          if (alert.created) {
            this.s.alertsRaised++;
            const list = audits.get(e.schoolId) ?? [];
            list.push({
              action: 'alert.raised', entityType: 'alert', entityId: alert.id,
              details: { rule: hit.rule.name, severity: hit.rule.severity, delivery: hit.rule.delivery, personId: e.personId ?? null },
            });
            audits.set(e.schoolId, list);
            if (hit.rule.delivery === 'immediate') {
              const key = `${e.schoolId}:${hit.rule.route_roles.join(',')}`;
              if (!recipients.has(key)) recipients.set(key, peopleWithRoles(tx, e.schoolId, hit.rule.route_roles));
              await this.mailAlert(tx, e.schoolId, alert.id, hit, now, await recipients.get(key)!);
            }
          }
        }
        known.evidence++;
        const matches = result.matches.map((m) => ({ category: m.category, phrase: m.phrase, weight: m.weight }));
        await addEvidence(tx, known.id, {
          eventId: e.id, eventTime: new Date(e.time), host: e.host, url: e.url ?? null, searchTerm: e.searchTerm ?? null,
          filterCategory: e.categoryId ?? null, action: e.action, reason: e.reason, score: hit.score,
          riskCategory: isIllegalAttempt({ reason: e.reason, categoryId: e.categoryId ?? null }) ? 'illegal' : hit.category, phrases: matches,
        });
        this.s.evidenceAdded++;
      }
      for (const [schoolId, events] of audits) await appendAuditMany(tx, { id: null, label: 'monitoring', schoolId }, events, now);
    }).catch((err: unknown) => {
      // Nothing of this batch was stored: forget what it taught us, so the retry inserts it all again.
      this.knownAlerts.clear();
      throw err;
    });
  }

  private remember(key: string, value: { id: string; evidence: number }): void {
    if (this.knownAlerts.size >= 10_000) this.knownAlerts.delete(this.knownAlerts.keys().next().value!);
    this.knownAlerts.set(key, value);
  }

  /**
   * The immediate e-mail. It says only that there is an alert, how serious, which kind and when, with a link: no
   * pupil's name, phrase or address, because e-mail leaves the school's control (forwarded, read on a phone, kept
   * in a mailbox outside Osprey's audit). The evidence is read in Osprey, where the read is recorded.
   */
  private async mailAlert(tx: Db, schoolId: string, alertId: string, hit: RuleHit, now: Date, recipients: Array<{ email: string | null }>): Promise<void> {
    const kind = hit.rule.kind === 'illegal' ? 'an attempt to reach illegal content'
      : hit.category && isPhraseCategory(hit.category) ? CATEGORY_NAMES[hit.category].toLowerCase() : hit.rule.name.toLowerCase();
    const link = `${this.opts.publicUrl().replace(/\/$/, '')}/alerts/${alertId}`;
    for (const r of recipients) {
      if (!r.email) continue;
      await queueMail(tx, {
        schoolId, purpose: 'alert', to: r.email,
        subject: `Osprey: ${hit.rule.severity} safeguarding alert, please look now`,
        text: [
          `Osprey's monitoring has raised a ${hit.rule.severity} alert (${kind}) at ${now.toISOString().slice(11, 16)} UTC on ${now.toISOString().slice(0, 10)}.`,
          '',
          `Rule: ${hit.rule.name}`,
          `Open it in Osprey (you will be asked to log in): ${link}`,
          '',
          'For the safety of the pupil this e-mail does not name anyone or say what was searched. The details are in Osprey,',
          'where every view is recorded. Please do not forward this e-mail.',
        ].join('\n'),
      }, now);
    }
  }
}

/** Repeated-blocks alerts: one per window; others: one per half-hour of the same person under the same rule. */
function dedupeKeyOf(e: MonitoredEvent, hit: RuleHit): string {
  const personKey = personKeyOf(e) ?? `event:${e.id}`;
  const bucketMs = hit.rule.kind === 'repeated_blocks' && hit.rule.window_minutes ? hit.rule.window_minutes * 60_000 : ALERT_BUCKET_MS;
  return `${hit.rule.id}:${personKey}:${Math.floor(e.time / bucketMs)}`;
}

function personKeyOf(e: MonitoredEvent): string | null {
  if (e.personId) return `person:${e.personId}`;
  if (e.username) return `user:${e.username}`;
  if (e.ip) return `ip:${e.ip}`;
  return null;
}

/** The person's last CONTEXT_EVENTS events up to the alert's event, newest first (read through the activity module). */
async function recentContext(db: Db, schoolId: string, personId: string, time: number) {
  const rows = await findActivity(db, schoolId, { personIds: [personId], to: new Date(time + 1) }, { limit: CONTEXT_EVENTS - 1 });
  return rows.slice(0, CONTEXT_EVENTS).map((r) => ({
    id: r.id, time: r.time.toISOString(), host: r.host, url: r.url, searchTerm: r.search_term, categoryId: r.category_id, action: r.action,
  }));
}

export function startMonitoringStage(opts: MonitoringStageOptions): MonitoringStage {
  return new MonitoringStage(opts);
}
