/**
 * A filter change log entry's before and after, as lines people can read: "Video streaming: Monitor → Allow",
 * "Added to Always allow: example.com". Works on whatever part of a policy or list source the entry holds.
 */
import { formatDateTime } from '../app/format.ts';
import { ACTION_LABELS, describeDays, KIND_LABELS } from './labels.tsx';
import type { FilterChange, LocalEntry, PolicyAction, Schedule } from './types.ts';

export interface DiffContext {
  categoryName(id: string): string;
  targetName(target: string): string;
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const actionWord = (a: unknown) => (typeof a === 'string' && a in ACTION_LABELS ? ACTION_LABELS[a as PolicyAction] : String(a));
const count = (n: number) => n.toLocaleString('en-GB');

function actionLines(before: Record<string, unknown>, after: Record<string, unknown>, ctx: DiffContext, prefix = '', unset = 'Not set (uses the default)'): string[] {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const lines: string[] = [];
  for (const id of ids.sort((a, b) => ctx.categoryName(a).localeCompare(ctx.categoryName(b)))) {
    if (before[id] === after[id]) continue;
    const from = id in before ? actionWord(before[id]) : unset;
    const to = id in after ? actionWord(after[id]) : unset;
    lines.push(`${prefix}${ctx.categoryName(id)}: ${from} → ${to}`);
  }
  return lines;
}

const entryText = (e: LocalEntry) => `${e.value}${e.kind === 'domain' ? '' : ` (${(KIND_LABELS[e.kind] ?? e.kind).toLowerCase()})`}${e.note ? ` – “${e.note}”` : ''}`;

function localLines(before: LocalEntry[], after: LocalEntry[], list: string): string[] {
  const key = (e: LocalEntry) => `${e.kind}\u0000${e.value}`;
  const had = new Map(before.map((e) => [key(e), e]));
  const has = new Map(after.map((e) => [key(e), e]));
  const lines: string[] = [];
  for (const [k, e] of has) {
    const old = had.get(k);
    if (!old) lines.push(`Added to ${list}: ${entryText(e)}`);
    else if ((old.note ?? '') !== (e.note ?? '')) lines.push(`Note changed on ${list} ${e.value}: “${old.note ?? ''}” → “${e.note ?? ''}”`);
  }
  for (const [k, e] of had) if (!has.has(k)) lines.push(`Removed from ${list}: ${entryText(e)}`);
  return lines;
}

const scheduleWhen = (s: Schedule) => `${describeDays(s.days)}, ${s.start}–${s.end}`;

function scheduleLines(before: Schedule[], after: Schedule[], ctx: DiffContext): string[] {
  const had = new Map(before.map((s) => [s.id, s]));
  const has = new Map(after.map((s) => [s.id, s]));
  const lines: string[] = [];
  for (const s of after) {
    const old = had.get(s.id);
    if (!old) {
      const actions = Object.entries(s.categoryActions ?? {}).map(([id, a]) => `${ctx.categoryName(id)}: ${actionWord(a)}`);
      lines.push(`Added schedule “${s.name}”: ${scheduleWhen(s)}${actions.length ? ` – ${actions.join(', ')}` : ''}`);
      continue;
    }
    if (old.name !== s.name) lines.push(`Schedule renamed: “${old.name}” → “${s.name}”`);
    if (scheduleWhen(old) !== scheduleWhen(s)) lines.push(`Schedule “${s.name}”: ${scheduleWhen(old)} → ${scheduleWhen(s)}`);
    lines.push(...actionLines(old.categoryActions ?? {}, s.categoryActions ?? {}, ctx, `During “${s.name}”, `, 'Not changed by the schedule'));
  }
  for (const s of before) if (!has.has(s.id)) lines.push(`Removed schedule “${s.name}” (${scheduleWhen(s)})`);
  return lines;
}

function targetLines(before: string[], after: string[], ctx: DiffContext): string[] {
  const added = after.filter((t) => !before.includes(t)).map(ctx.targetName);
  const removed = before.filter((t) => !after.includes(t)).map(ctx.targetName);
  const lines: string[] = [];
  if (added.length) lines.push(`Now applies to: ${added.join(', ')}`);
  if (removed.length) lines.push(`No longer applies to: ${removed.join(', ')}`);
  return lines;
}

/** Lines for a policy's before → after (either may hold only some fields, e.g. just `targets`). */
function policyLines(before: Doc, after: Doc, ctx: DiffContext): string[] {
  const lines: string[] = [];
  const changed = (k: string) => k in after && JSON.stringify(before[k]) !== JSON.stringify(after[k]);
  if (changed('name')) lines.push(`Name: “${String(before.name ?? '')}” → “${String(after.name)}”`);
  if (changed('description')) lines.push(`Description changed to: “${String(after.description)}”`);
  if (changed('priority')) lines.push(`Priority: ${String(before.priority ?? '—')} → ${String(after.priority)}`);
  if (changed('defaultAction')) lines.push(`Default for everything else: ${actionWord(before.defaultAction)} → ${actionWord(after.defaultAction)}`);
  if (changed('safeSearch')) lines.push(`SafeSearch: ${before.safeSearch ? 'On' : 'Off'} → ${after.safeSearch ? 'On' : 'Off'}`);
  if (changed('categoryActions')) lines.push(...actionLines(isObject(before.categoryActions) ? before.categoryActions : {}, isObject(after.categoryActions) ? after.categoryActions : {}, ctx));
  if (changed('schedules')) lines.push(...scheduleLines((before.schedules as Schedule[]) ?? [], (after.schedules as Schedule[]) ?? [], ctx));
  if (changed('localBlock')) lines.push(...localLines((before.localBlock as LocalEntry[]) ?? [], (after.localBlock as LocalEntry[]) ?? [], 'Always block'));
  if (changed('localAllow')) lines.push(...localLines((before.localAllow as LocalEntry[]) ?? [], (after.localAllow as LocalEntry[]) ?? [], 'Always allow'));
  if (changed('targets')) lines.push(...targetLines((before.targets as string[]) ?? [], (after.targets as string[]) ?? [], ctx));
  return lines;
}

/** A new policy, summed up. */
function createdPolicyLines(after: Doc, ctx: DiffContext): string[] {
  const actions = isObject(after.categoryActions) ? after.categoryActions : {};
  const byAction = (a: PolicyAction) => Object.keys(actions).filter((k) => actions[k] === a).length;
  const lines = [`Policy created: “${String(after.name ?? '')}”, priority ${String(after.priority ?? '—')}, default ${actionWord(after.defaultAction)}, SafeSearch ${after.safeSearch ? 'on' : 'off'}`];
  const parts = (['block', 'warn', 'monitor', 'allow'] as PolicyAction[]).map((a) => [a, byAction(a)] as const).filter(([, n]) => n > 0);
  if (parts.length) lines.push(`Categories set: ${parts.map(([a, n]) => `${n} ${ACTION_LABELS[a]}`).join(', ')}`);
  const targets = Array.isArray(after.targets) ? (after.targets as string[]) : [];
  if (targets.length) lines.push(`Applies to: ${targets.map(ctx.targetName).join(', ')}`);
  const schedules = Array.isArray(after.schedules) ? (after.schedules as Schedule[]) : [];
  for (const s of schedules) lines.push(`Schedule “${s.name}”: ${scheduleWhen(s)}`);
  return lines;
}

/** A list source's entries per category: "Gambling: 1,200 → 1,350 entries". */
function sourceLines(before: Doc | null, after: Doc, ctx: DiffContext): string[] {
  const lines: string[] = [];
  if (!before) lines.push(`List added from ${String(after.location ?? 'a file')}`);
  else if (before.location !== after.location) lines.push(`Address: ${String(before.location)} → ${String(after.location)}`);
  const was = (before && isObject(before.entries) ? before.entries : {}) as Record<string, number>;
  const now = (isObject(after.entries) ? after.entries : {}) as Record<string, number>;
  for (const id of [...new Set([...Object.keys(was), ...Object.keys(now)])]) {
    if (was[id] === now[id]) continue;
    if (!before) lines.push(`${ctx.categoryName(id)}: ${count(now[id] ?? 0)} entries`);
    else lines.push(`${ctx.categoryName(id)}: ${count(was[id] ?? 0)} → ${count(now[id] ?? 0)} entries`);
  }
  if (before && lines.length === 0) lines.push('Entries changed (same numbers in each category)');
  return lines;
}

/** The readable lines for one change log entry. */
export function describeChange(change: FilterChange, ctx: DiffContext): string[] {
  const before = isObject(change.before) ? change.before : null;
  const after = isObject(change.after) ? change.after : null;
  if (change.entityType === 'list_source') return after ? sourceLines(before, after, ctx) : ['List removed'];
  if (change.entityType === 'policy') {
    if (!after) return ['Policy removed'];
    if (!before) return createdPolicyLines(after, ctx);
    const lines = policyLines(before, after, ctx);
    return lines.length ? lines : ['Saved with no changes to the settings'];
  }
  // Something this page does not know yet (e.g. exceptions): say what happened rather than guess.
  return [`${change.action}${after && typeof after.expiresAt === 'string' ? ` until ${formatDateTime(after.expiresAt)}` : ''}`];
}
