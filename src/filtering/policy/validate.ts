/**
 * Checks a policy document before it is saved, and says in plain words what to fix. Illegal-content categories
 * cannot be given any action: they are blocked for everyone, always (R2.2), so there is nothing to set.
 */
import { domainToASCII } from 'node:url';
import { checkPattern } from '../engine/expressions.ts';
import type { CategoryDef, LocalEntry, PolicyAction, ScheduleWindow } from '../engine/types.ts';

export const POLICY_ACTIONS: readonly PolicyAction[] = ['allow', 'block', 'warn', 'monitor'];
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_LOCAL_ENTRIES = 5000;

export interface PolicyDocument {
  name: string;
  description: string;
  priority: number;
  defaultAction: PolicyAction;
  safeSearch: boolean;
  categoryActions: Record<string, PolicyAction>;
  schedules: ScheduleWindow[];
  localBlock: LocalEntry[];
  localAllow: LocalEntry[];
  targets: string[];
}

/** A domain as a person typed it → its stored form, or undefined when it is not a domain. */
export function normaliseDomain(text: string): string | undefined {
  const t = text.trim().toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  if (!t || t.length > 253 || /[\s/:@]/.test(t)) return undefined;
  const ascii = domainToASCII(t);
  if (!ascii || ascii.split('.').some((l) => l.length === 0 || l.length > 63)) return undefined;
  return ascii;
}

function checkLocal(entries: LocalEntry[], list: string, problems: string[]): LocalEntry[] {
  if (entries.length > MAX_LOCAL_ENTRIES) problems.push(`The ${list} list has ${entries.length} entries; the most a policy can hold is ${MAX_LOCAL_ENTRIES}. Use a list source for long lists.`);
  return entries.map((e) => {
    const value = e.value.trim();
    if (e.kind === 'domain') {
      const d = normaliseDomain(value);
      if (!d) problems.push(`${list}: '${value}' is not a domain. Write it like example.com (it covers its subdomains too).`);
      return { ...e, value: d ?? value };
    }
    if (e.kind === 'url') {
      const withoutScheme = value.replace(/^https?:\/\//i, '');
      const [host, ...rest] = withoutScheme.split('/');
      const d = normaliseDomain(host ?? '');
      if (!d || rest.length === 0) problems.push(`${list}: '${value}' is not a web address with a path. Write it like example.com/games/ — or add just the domain.`);
      return { ...e, value: d ? [d, ...rest].join('/') : value };
    }
    const problem = checkPattern(value);
    if (problem) problems.push(`${list}: the pattern '${value.slice(0, 80)}' cannot be used (${problem}). Osprey accepts RE2 patterns, which always run in a bounded time.`);
    return { ...e, value };
  });
}

/** Returns the cleaned document, or the list of problems. */
export function validatePolicy(doc: PolicyDocument, categories: readonly CategoryDef[]): { policy: PolicyDocument; problems: string[] } {
  const problems: string[] = [];
  const byId = new Map(categories.map((c) => [c.id, c]));
  if (!doc.name.trim()) problems.push('Give the policy a name.');
  if (!POLICY_ACTIONS.includes(doc.defaultAction)) problems.push(`'${doc.defaultAction}' is not an action. Use allow, block, warn or monitor.`);
  const checkActions = (actions: Record<string, PolicyAction>, where: string) => {
    for (const [id, action] of Object.entries(actions)) {
      const c = byId.get(id);
      if (!c) problems.push(`${where}: there is no category '${id}'.`);
      else if (c.illegal) problems.push(`${where}: '${c.name}' is illegal content and is always blocked for everyone; it cannot be given an action.`);
      if (!POLICY_ACTIONS.includes(action)) problems.push(`${where}: '${action}' is not an action for '${id}'. Use allow, block, warn or monitor.`);
    }
  };
  checkActions(doc.categoryActions, 'Categories');
  for (const s of doc.schedules) {
    const where = `Schedule '${s.name || s.id}'`;
    if (!s.days.length || s.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) problems.push(`${where}: choose at least one day of the week.`);
    if (!TIME.test(s.start) || !TIME.test(s.end)) problems.push(`${where}: write times as HH:MM, for example 12:00.`);
    else if (s.start >= s.end) problems.push(`${where}: the end time ${s.end} must be after the start time ${s.start}.`);
    checkActions(s.categoryActions, where);
  }
  const localBlock = checkLocal(doc.localBlock, 'Always block', problems);
  const localAllow = checkLocal(doc.localAllow, 'Always allow', problems);
  return { policy: { ...doc, name: doc.name.trim(), localBlock, localAllow }, problems };
}
