/**
 * Whether a person's agreement is current (R6.2), decided from the injected clock: signed means a signature of the
 * template's current version made since the start of this school year. A new version or a new school year therefore
 * asks everyone to sign again. Grace periods (per school) let joiners, and people re-signing, browse for a few days.
 */

export interface AgreementSettings {
  /** 'MM-DD': the day the school year starts (e.g. '09-01'). */
  yearStarts: string;
  /** When off, nobody's internet is held back for an unsigned agreement (coverage and reminders still work). */
  gating: boolean;
  joinerGraceDays: number;
  versionGraceDays: number;
  yearGraceDays: number;
}

export const DEFAULT_AGREEMENT_SETTINGS: AgreementSettings = { yearStarts: '09-01', gating: true, joinerGraceDays: 0, versionGraceDays: 14, yearGraceDays: 14 };

export type SignStatus = 'signed' | 'grace' | 'unsigned';

export interface CurrentVersion { id: string; number: number; publishedAt: Date }
export interface PastSignature { versionId: string; signedAt: Date; id: string }

const DAY = 86_400_000;

/** Midnight (UTC) of the most recent school-year start on or before `now`. */
export function schoolYearStart(now: Date, yearStarts: string): Date {
  const [month, day] = yearStarts.split('-').map(Number);
  const year = now.getUTCFullYear();
  const thisYear = new Date(Date.UTC(year, month - 1, day));
  return thisYear.getTime() <= now.getTime() ? thisYear : new Date(Date.UTC(year - 1, month - 1, day));
}

/** The school year's name, e.g. '2026–27'. */
export function schoolYearName(start: Date): string {
  const y = start.getUTCFullYear();
  return `${y}–${String((y + 1) % 100).padStart(2, '0')}`;
}

export function statusOf(
  facts: { version: CurrentVersion; signatures: PastSignature[]; joinedAt: Date },
  settings: AgreementSettings, now: Date,
): { status: SignStatus; signature?: PastSignature; graceUntil?: Date } {
  const yearStart = schoolYearStart(now, settings.yearStarts);
  const current = facts.signatures
    .filter((s) => s.versionId === facts.version.id && s.signedAt.getTime() >= yearStart.getTime())
    .sort((a, b) => b.signedAt.getTime() - a.signedAt.getTime())[0];
  if (current) return { status: 'signed', signature: current };
  const graces: number[] = [facts.joinedAt.getTime() + settings.joinerGraceDays * DAY];
  if (facts.signatures.some((s) => s.versionId !== facts.version.id)) graces.push(facts.version.publishedAt.getTime() + settings.versionGraceDays * DAY);
  if (facts.signatures.some((s) => s.signedAt.getTime() < yearStart.getTime())) graces.push(yearStart.getTime() + settings.yearGraceDays * DAY);
  const until = Math.max(...graces);
  if (until > now.getTime()) return { status: 'grace', graceUntil: new Date(until) };
  return { status: 'unsigned' };
}

export function validYearStart(value: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 28;
}
