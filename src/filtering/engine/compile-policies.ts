/**
 * Checks policies (actions, schedules, local entries, exceptions) as people wrote them, and turns their local
 * entries and exceptions into rules: domain and URL rules go into the snapshot's hash table beside the list
 * entries, so one pass over a host finds both.
 */
import type { EntryCollector, ProblemLog } from './compile-entries.js';
import { parseDomainEntry, parseUrlEntry } from './compile-entries.js';
import { checkPattern } from './expressions.js';
import { parseClockTime } from './local-time.js';
import { REF_RULE, RULE_ALLOW, RULE_BLOCK, RULE_EXCEPTION } from './snapshot-format.js';
import type { LocalEntry, Policy, PolicyAction } from './types.js';

const ACTIONS = new Set<string>(['allow', 'block', 'warn', 'monitor']);

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Validates policies and registers their rules; returns the meta rule table ([policy, kind, index]). */
export function compilePolicies(
  policies: Policy[], categories: Map<string, { illegal: boolean }>, collector: EntryCollector, log: ProblemLog,
): Array<[number, number, number]> {
  const rules: Array<[number, number, number]> = [];
  const policyIds = new Set<string>();
  policies.forEach((policy, p) => {
    const policyId = String(policy?.id);
    const where = `policy '${policyId}'`;
    const error = (code: Parameters<ProblemLog['add']>[0]['code'], message: string, extra: object = {}) =>
      log.add({ severity: 'error', code, message: `${where}: ${message}`, policyId, ...extra });
    if (!isString(policy?.id)) return error('invalid_input', 'a policy needs an id');
    if (policyIds.has(policy.id)) error('duplicate_id', 'two policies have this id');
    policyIds.add(policy.id);
    if (!Number.isFinite(policy.priority)) error('invalid_input', `priority must be a number, not '${policy.priority}'`);
    if (!Array.isArray(policy.groupIds) || !policy.groupIds.every(isString)) error('invalid_input', 'groupIds must be a list of group ids');
    if (!ACTIONS.has(policy.defaultAction)) error('invalid_action', `default action '${policy.defaultAction}' is not allow, block, warn or monitor`);
    checkCategoryActions(policy.categoryActions, `${where}`, categories, log, policyId);
    if (!Array.isArray(policy.schedules)) error('invalid_input', 'schedules must be a list');
    else checkSchedules(policy, categories, log);
    const ruleIds = new Set<string>();
    const addRule = (kind: number, index: number, id: unknown) => {
      if (!isString(id)) error('invalid_input', `a ${kind === RULE_EXCEPTION ? 'exception' : 'local entry'} needs an id`);
      else if (ruleIds.has(id)) error('duplicate_id', `two rules have the id '${id}'`, { ruleId: id });
      else ruleIds.add(id);
      rules.push([p, kind, index]);
      return REF_RULE | (rules.length - 1);
    };
    const localLists: Array<[number, LocalEntry[] | undefined]> = [[RULE_BLOCK, policy.localBlock], [RULE_ALLOW, policy.localAllow]];
    for (const [kind, entries] of localLists) {
      if (!Array.isArray(entries)) {
        error('invalid_input', `${kind === RULE_BLOCK ? 'localBlock' : 'localAllow'} must be a list`);
        continue;
      }
      entries.forEach((entry, index) => {
        const ref = addRule(kind, index, entry?.id);
        const problem = addTarget(entry?.kind, entry?.value, ref, collector, true);
        if (problem !== null) error(problem.code, `local entry '${entry?.id}': ${problem.message}`, { ruleId: entry?.id, value: String(entry?.value) });
      });
    }
    if (!Array.isArray(policy.exceptions)) return error('invalid_input', 'exceptions must be a list');
    policy.exceptions.forEach((exception, index) => {
      const ref = addRule(RULE_EXCEPTION, index, exception?.id);
      const ruleId = exception?.id;
      if (!Number.isFinite(Date.parse(exception?.expiresAt))) {
        error('invalid_expiry', `exception '${ruleId}': expiresAt '${exception?.expiresAt}' is not an ISO date and time`, { ruleId });
      }
      if (exception?.kind === 'category') {
        const category = categories.get(exception.value);
        if (category === undefined) error('unknown_category', `exception '${ruleId}': no category '${exception.value}'`, { ruleId });
        else if (category.illegal) {
          log.add({ severity: 'warning', code: 'invalid_action', policyId, ruleId,
            message: `${where}: exception '${ruleId}' is ignored: illegal content cannot be allowed` });
        }
        return;
      }
      const problem = addTarget(exception?.kind, exception?.value, ref, collector, false);
      if (problem !== null) error(problem.code, `exception '${ruleId}': ${problem.message}`, { ruleId, value: String(exception?.value) });
    });
  });
  return rules;
}

/** Puts a domain or URL rule's key into the table; regex rules are checked here and compiled at load. */
function addTarget(kind: unknown, value: unknown, ref: number, collector: EntryCollector, allowRegex: boolean):
  { code: 'invalid_domain' | 'invalid_url' | 'unsafe_regex' | 'invalid_input'; message: string } | null {
  if (kind === 'domain') {
    const host = parseDomainEntry(value as string);
    if (host === null) return { code: 'invalid_domain', message: `not a domain name or IP address: '${value}'` };
    collector.add(host, ref);
    return null;
  }
  if (kind === 'url') {
    const entry = parseUrlEntry(value as string);
    if (entry === null) return { code: 'invalid_url', message: `not a host/path URL entry: '${value}'` };
    collector.addUrl(entry, ref);
    return null;
  }
  if (kind === 'regex' && allowRegex) {
    const why = checkPattern(value as string);
    return why === null ? null : { code: 'unsafe_regex', message: `regular expression '${value}' refused: ${why}` };
  }
  return { code: 'invalid_input', message: `kind '${kind}' is not domain, url or ${allowRegex ? 'regex' : 'category'}` };
}

function checkCategoryActions(
  actions: Record<string, PolicyAction> | undefined, where: string, categories: Map<string, { illegal: boolean }>,
  log: ProblemLog, policyId: string,
): void {
  if (actions === null || typeof actions !== 'object') {
    log.add({ severity: 'error', code: 'invalid_input', policyId, message: `${where}: categoryActions must be an object` });
    return;
  }
  for (const [categoryId, action] of Object.entries(actions)) {
    if (!ACTIONS.has(action)) {
      log.add({ severity: 'error', code: 'invalid_action', policyId, categoryId,
        message: `${where}: action '${action}' for category '${categoryId}' is not allow, block, warn or monitor` });
    } else if (!categories.has(categoryId)) {
      // a policy may name a category whose list is not loaded yet; the action simply never applies
      log.add({ severity: 'warning', code: 'unknown_category', policyId, categoryId,
        message: `${where}: no category '${categoryId}'; its action is ignored` });
    }
  }
}

function checkSchedules(policy: Policy, categories: Map<string, { illegal: boolean }>, log: ProblemLog): void {
  const ids = new Set<string>();
  for (const window of policy.schedules) {
    const where = `policy '${policy.id}' schedule '${window?.id}'`;
    const error = (code: 'invalid_schedule' | 'duplicate_id' | 'invalid_input', message: string) =>
      log.add({ severity: 'error', code, message: `${where}: ${message}`, policyId: policy.id });
    if (!isString(window?.id)) {
      error('invalid_input', 'a schedule window needs an id');
      continue;
    }
    if (ids.has(window.id)) error('duplicate_id', 'two windows have this id');
    ids.add(window.id);
    if (!Array.isArray(window.days) || window.days.length === 0 || !window.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)) {
      error('invalid_schedule', 'days must list weekdays 0 (Sunday) to 6 (Saturday)');
    }
    const start = parseClockTime(window.start);
    const end = parseClockTime(window.end);
    if (start < 0 || start >= 1440) error('invalid_schedule', `start '${window.start}' is not a time HH:MM`);
    if (end < 0) error('invalid_schedule', `end '${window.end}' is not a time HH:MM`);
    if (start >= 0 && start === end) error('invalid_schedule', 'start and end are the same, so the window is empty');
    checkCategoryActions(window.categoryActions, where, categories, log, policy.id);
  }
}
