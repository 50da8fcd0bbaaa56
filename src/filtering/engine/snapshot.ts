/**
 * `compileSnapshot(input) → Snapshot`: categorised lists and policies become one immutable binary buffer (layout in
 * snapshot-format.ts). Compilation either succeeds — perhaps with warnings for refused list entries, kept in
 * `snapshot.problems` — or throws `SnapshotCompileError` listing every problem (see problems.ts for which are which).
 */
import { CIRCUMVENTION_HOSTS, SAFE_SEARCH_ENGINES } from './built-in-hosts.js';
import { EntryCollector, parseDomainEntry, parseUrlEntry, ProblemLog } from './compile-entries.js';
import { compilePolicies } from './compile-policies.js';
import { checkPattern } from './expressions.js';
import { LocalClock } from './local-time.js';
import { SnapshotCompileError } from './problems.js';
import { readSnapshotBuffer, REF_BUILT_IN, REF_LIST, writeSnapshotBuffer, type SnapshotMeta } from './snapshot-format.js';
import { hydrateSnapshot, loadSnapshot, type Snapshot } from './snapshot-load.js';
import type { CompileInput } from './types.js';

export { loadSnapshot, type LoadOptions, type Snapshot } from './snapshot-load.js';

export interface CompileOptions {
  /** Put the snapshot in a SharedArrayBuffer, to post it to worker threads without copying. */
  shared?: boolean;
}

export function compileSnapshot(input: CompileInput, options: CompileOptions = {}): Snapshot {
  const log = new ProblemLog();
  if (input === null || typeof input !== 'object' || !Array.isArray(input.categories) || !Array.isArray(input.lists)
    || !Array.isArray(input.policies)) {
    log.add({ severity: 'error', code: 'invalid_input', message: 'the filter input needs categories, lists and policies' });
    throw new SnapshotCompileError(log.errors);
  }
  checkTimeZone(input.timeZone, log);
  const categories = indexCategories(input, log);
  const expected = input.lists.reduce((n, list) => n + (Array.isArray(list?.domains) ? list.domains.length : 0), 64);
  const collector = new EntryCollector(expected);
  const { sources, lists, expressions } = compileLists(input, categories, collector, log);
  const rules = compilePolicies(input.policies, categories, collector, log);
  if (!input.policies.some((p) => p?.id === input.unidentifiedPolicyId)) {
    log.add({ severity: 'error', code: 'unknown_policy',
      message: `the policy for unidentified devices, '${input.unidentifiedPolicyId}', is not one of the policies` });
  }
  const { builtIns, safeSearchWildcards } = addBuiltIns(collector);
  if (log.errors.length > 0) throw new SnapshotCompileError([...log.errors, ...log.warnings]);

  const table = collector.build();
  const meta: SnapshotMeta = {
    timeZone: input.timeZone,
    unidentifiedPolicyId: input.unidentifiedPolicyId,
    categories: input.categories.map((c) => ({ ...c })),
    sources,
    lists,
    policies: input.policies,
    rules,
    expressions,
    builtIns,
    safeSearchWildcards,
    capacity: table.capacity,
    domainCount: table.keys,
    problems: log.keptWarnings(),
  };
  const bytes = writeSnapshotBuffer(
    new TextEncoder().encode(JSON.stringify(meta)),
    [table.slots, table.setOffsets, table.setRefs, table.urlOwner, table.urlPaths, table.urlBytes],
    options.shared === true,
  );
  return hydrateSnapshot(readSnapshotBuffer(bytes, false));
}

/** The snapshot's bytes, for a file or the network: the buffer itself, not a copy (snapshots are immutable). */
export function serialiseSnapshot(snapshot: Snapshot): Uint8Array {
  return snapshot.bytes;
}

/** A copy of a snapshot in a SharedArrayBuffer (for worker threads), or the same snapshot if it already is one. */
export function shareSnapshot(snapshot: Snapshot): Snapshot {
  if (snapshot.bytes.buffer instanceof SharedArrayBuffer) return snapshot;
  const shared = new Uint8Array(new SharedArrayBuffer(snapshot.bytes.byteLength));
  shared.set(snapshot.bytes);
  return loadSnapshot(shared, { verify: false });
}

function checkTimeZone(timeZone: string, log: ProblemLog): void {
  try {
    new LocalClock(timeZone);
  } catch {
    log.add({ severity: 'error', code: 'invalid_time_zone', message: `'${timeZone}' is not an IANA time zone such as 'Europe/London'` });
  }
}

function indexCategories(input: CompileInput, log: ProblemLog): Map<string, { illegal: boolean; index: number }> {
  const categories = new Map<string, { illegal: boolean; index: number }>();
  input.categories.forEach((category, index) => {
    if (typeof category?.id !== 'string' || category.id === '' || typeof category.illegal !== 'boolean') {
      log.add({ severity: 'error', code: 'invalid_input', message: `category ${index + 1} needs an id and illegal: true/false` });
    } else if (categories.has(category.id)) {
      log.add({ severity: 'error', code: 'duplicate_id', categoryId: category.id, message: `two categories have the id '${category.id}'` });
    } else {
      categories.set(category.id, { illegal: category.illegal, index });
    }
  });
  return categories;
}

/**
 * Lists become (source, category) pairs and their entries go into the collector. An entry refused from an illegal
 * list is an error, not a warning: the filter must not silently stop blocking something the IWF listed.
 */
function compileLists(
  input: CompileInput, categories: Map<string, { illegal: boolean; index: number }>, collector: EntryCollector,
  log: ProblemLog,
): { sources: string[]; lists: Array<[number, number]>; expressions: Array<[number, string]> } {
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const lists: Array<[number, number]> = [];
  const listIndex = new Map<string, number>();
  const expressions: Array<[number, string]> = [];
  for (const list of input.lists) {
    const category = categories.get(list?.categoryId);
    if (category === undefined || typeof list.sourceId !== 'string' || list.sourceId === '') {
      log.add({ severity: 'error', code: 'unknown_category', sourceId: String(list?.sourceId), categoryId: String(list?.categoryId),
        message: `list '${list?.sourceId}' names category '${list?.categoryId}', which is not defined` });
      continue;
    }
    let source = sourceIndex.get(list.sourceId);
    if (source === undefined) {
      source = sources.push(list.sourceId) - 1;
      sourceIndex.set(list.sourceId, source);
    }
    const key = `${source}\u0000${category.index}`;
    let id = listIndex.get(key);
    if (id === undefined) {
      id = lists.push([source, category.index]) - 1;
      listIndex.set(key, id);
    }
    const ref = REF_LIST | id;
    const severity = category.illegal ? 'error' : 'warning';
    const refuse = (code: 'invalid_domain' | 'invalid_url' | 'unsafe_regex', what: string, value: string) =>
      log.add({ severity, code, sourceId: list.sourceId, categoryId: list.categoryId, value,
        message: `list ${list.sourceId}/${list.categoryId}: ${what}: '${value}'` });
    for (const domain of list.domains ?? []) {
      const host = parseDomainEntry(domain);
      if (host === null) refuse('invalid_domain', 'not a domain name or IP address', String(domain));
      else collector.add(host, ref);
    }
    for (const url of list.urls ?? []) {
      const entry = parseUrlEntry(url);
      if (entry === null) refuse('invalid_url', 'not a host/path URL entry', String(url));
      else collector.addUrl(entry, ref);
    }
    for (const pattern of list.expressions ?? []) {
      const why = checkPattern(pattern);
      if (why === null) expressions.push([id, pattern]);
      else refuse('unsafe_regex', `regular expression refused (${why})`, String(pattern));
    }
  }
  return { sources, lists, expressions };
}

/** Circumvention and SafeSearch hosts from built-in-hosts.ts, copied into the snapshot. */
function addBuiltIns(collector: EntryCollector): Pick<SnapshotMeta, 'builtIns' | 'safeSearchWildcards'> {
  const builtIns: SnapshotMeta['builtIns'] = [];
  const safeSearchWildcards: Array<[string, string]> = [];
  for (const { host } of CIRCUMVENTION_HOSTS) {
    collector.add(host, REF_BUILT_IN | builtIns.length);
    builtIns.push({ kind: 'circumvention', host, target: '', exact: false });
  }
  for (const { hosts, target } of SAFE_SEARCH_ENGINES) {
    for (const host of hosts) {
      if (host.endsWith('.*')) {
        safeSearchWildcards.push([host.slice(0, -1), target]);
        continue;
      }
      collector.add(host, REF_BUILT_IN | builtIns.length);
      builtIns.push({ kind: 'safesearch', host, target, exact: true });
    }
  }
  return { builtIns, safeSearchWildcards };
}
