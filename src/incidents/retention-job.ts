/**
 * The retention review job (R5.8): lists the incident records due for review. Run by hand with
 * `osprey incidents retention --due`, and once a day by `osprey serve`. It never deletes anything: a person decides.
 */
import type { Config } from '../config.ts';
import { appendAudit } from '../platform/audit.ts';
import type { Clock } from '../platform/context.ts';
import type { Db } from '../platform/db.ts';
import type { IncidentRecordAccess } from './evidence-types.ts';
import { recordsDueForReview, type RetentionSettings } from './retention.ts';

export const RETENTION_HELP = `Usage: osprey incidents retention --due [--json]

Lists the incident records that are due for retention review today, oldest first: child-protection records from the
pupil's date of birth + 25 years, allegations against staff from the later of retirement age
(OSPREY_RETIREMENT_AGE) or 10 years, other incidents OSPREY_INCIDENT_RETENTION_YEARS after closing. Records on legal
hold are left out. It also lists the records whose schedule needs a date of birth. Nothing is deleted: the
Designated Safeguarding Lead or the Data Protection Officer reviews each record. Osprey serve runs this once a day
and writes the count to its log and the audit log. --json prints one JSON object instead of a table.`;

export interface RetentionRun {
  schoolId: string;
  due: Array<{ reference: string; basis: string; reviewFrom: string; explanation: string }>;
  needsInformation: Array<{ reference: string; basis: string; missing: string }>;
  onHold: number;
}

/** One run over every school: what is due, recorded in the audit log (with references only). */
export async function runRetentionReview(db: Db, incidents: IncidentRecordAccess, clock: Clock, settings: RetentionSettings): Promise<RetentionRun[]> {
  const schools = await db.selectFrom('schools').select('id').orderBy('created_at').execute();
  const runs: RetentionRun[] = [];
  const now = clock.now();
  for (const { id: schoolId } of schools) {
    const found = await recordsDueForReview(db, incidents, schoolId, now, settings);
    const run: RetentionRun = {
      schoolId,
      due: found.due.map(({ schedule: s }) => ({ reference: s.reference, basis: s.basisLabel, reviewFrom: s.reviewFrom!, explanation: s.explanation })),
      needsInformation: found.needsInformation.map(({ schedule: s }) => ({ reference: s.reference, basis: s.basisLabel, missing: s.missing! })),
      onHold: found.onHold,
    };
    // Only a run with something to review is worth a line in the audit log (it runs at every start).
    if (run.due.length || run.needsInformation.length) await appendAudit(db, { id: null, label: 'retention review', ip: null, schoolId }, {
      action: 'incident.retention_review_run', entityType: 'incident',
      details: { due: run.due.map((d) => d.reference), needsInformation: run.needsInformation.length, onHold: run.onHold },
    }, now);
    runs.push(run);
  }
  return runs;
}

/** The text the command prints. */
export function formatRetentionRuns(runs: RetentionRun[]): string {
  const lines: string[] = [];
  if (runs.length === 0) return 'No incident records are due for retention review (Osprey has no school set up yet).';
  for (const run of runs) {
    if (run.due.length === 0) lines.push('No incident records are due for retention review.');
    else {
      lines.push(`${run.due.length} incident record${run.due.length === 1 ? ' is' : 's are'} due for retention review (nothing has been deleted):`);
      for (const d of run.due) lines.push(`  ${d.reference.padEnd(16)} due from ${d.reviewFrom}  ${d.basis}: ${d.explanation}`);
    }
    if (run.needsInformation.length) {
      lines.push(`${run.needsInformation.length} record${run.needsInformation.length === 1 ? ' needs' : 's need'} more information for a review date:`);
      for (const n of run.needsInformation) lines.push(`  ${n.reference.padEnd(16)} ${n.basis}: record ${n.missing}`);
    }
    if (run.onHold) lines.push(`${run.onHold} record${run.onHold === 1 ? ' is' : 's are'} on legal hold and not reviewed.`);
  }
  return lines.join('\n');
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Runs the review at start and then once a day (the clock is injected, so tests drive it). Returns a stop function.
 * `onRun` receives each result (the server logs it).
 */
export function startRetentionReviewJob(opts: {
  db: Db; incidents: IncidentRecordAccess; clock: Clock; config: Pick<Config, 'retirementAge' | 'incidentRetentionYears'>;
  onRun: (runs: RetentionRun[]) => void; onError: (e: unknown) => void; intervalMs?: number;
}): () => Promise<void> {
  let stopped = false;
  let lastDay = '';
  let running: Promise<void> | undefined;
  const tick = async () => {
    const day = opts.clock.now().toISOString().slice(0, 10);
    if (stopped || running || day === lastDay) return;
    running = (async () => {
      try {
        opts.onRun(await runRetentionReview(opts.db, opts.incidents, opts.clock, opts.config));
        lastDay = day;
      } catch (e) {
        opts.onError(e);
      } finally {
        running = undefined;
      }
    })();
    await running;
  };
  void tick();
  // Checked every hour; it runs once per day of the (injected) clock.
  const timer = setInterval(() => void tick(), opts.intervalMs ?? DAY / 24);
  timer.unref();
  /** Stops the job and waits for a run in progress, so the database can be closed after it. */
  return async () => { stopped = true; clearInterval(timer); await running; };
}
