/**
 * A snapshot in memory: zero-copy typed-array views over the binary buffer plus the small per-policy tables
 * `decide` reads (built from META in well under a millisecond). `compileSnapshot` ends by calling the same
 * `hydrateSnapshot` as `loadSnapshot`, so a compiled snapshot and a loaded copy decide identically by construction.
 */
import { ExpressionSet } from './expressions.js';
import { LocalClock, parseClockTime, type WeeklyWindow } from './local-time.js';
import type { CompileProblem } from './problems.js';
import {
  readSnapshotBuffer, RULE_ALLOW, RULE_BLOCK, RULE_EXCEPTION, type SnapshotMeta, type SnapshotSections,
} from './snapshot-format.js';
import type { CategoryDef, LocalEntry, Policy, PolicyAction, PolicyException } from './types.js';

/** Actions as numbers that order by restrictiveness (R2.4): block > warn > monitor > allow; 0 = no action set. */
export const SEVERITY: Record<PolicyAction, number> = { allow: 1, monitor: 2, warn: 3, block: 4 };
export const ACTION_BY_SEVERITY: readonly PolicyAction[] = ['allow', 'allow', 'monitor', 'warn', 'block'];

export interface CompiledWindow extends WeeklyWindow {
  id: string;
  /** Per category index: severity the window sets, 0 = leaves the policy's own action. */
  actions: Uint8Array;
}

export interface CompiledPolicy {
  index: number;
  id: string;
  priority: number;
  defaultAction: PolicyAction;
  /** Per category index: severity, 0 = the policy sets no action (the default applies). */
  actions: Uint8Array;
  windows: CompiledWindow[];
  safeSearch: boolean;
  /** [category index, expires at (ms), rule index] for `category` exceptions. */
  categoryExceptions: Array<[number, number, number]>;
  localBlockExpressions: ExpressionSet | null;
  localAllowExpressions: ExpressionSet | null;
  /** From `Policy.categoryOrder`: per category index, its place in that order (unlisted: after all); null without it. */
  categoryRank: Int32Array | null;
}

/** What `decide` reads. Internal to the engine: shapes may change between versions. */
export interface SnapshotTables {
  slots: Int32Array;
  capacity: number;
  setOffsets: Int32Array;
  setRefs: Int32Array;
  urlOwner: Int32Array;
  urlPaths: Int32Array;
  urlBytes: Uint8Array;
  listCategory: Int32Array;
  listSource: Int32Array;
  categoryIllegal: Uint8Array;
  categoryCircumvention: Uint8Array;
  rulePolicy: Int32Array;
  ruleKind: Uint8Array;
  /** Exceptions' expiry (ms since epoch); +Infinity for local entries. */
  ruleExpires: Float64Array;
  ruleIds: string[];
  policies: CompiledPolicy[];
  unidentified: CompiledPolicy;
  /** Group id → index of the highest-priority policy naming it. */
  groupPolicy: Map<string, number>;
  illegalExpressions: ExpressionSet | null;
  categoryExpressions: ExpressionSet | null;
  /** Per meta.expressions index: its list and its text. */
  expressionLists: Int32Array;
  expressionPatterns: string[];
  /** Ids by index, for decisions' `match`. */
  sourceIds: string[];
  categoryIds: string[];
  /** Per built-in host: 1 = circumvention, 2 = SafeSearch; `builtInExact` 1 = only the host itself. */
  builtInKind: Uint8Array;
  builtInExact: Uint8Array;
  builtInTarget: string[];
  /** `name.*` SafeSearch hosts: [name, target]. */
  safeSearchWildcards: Array<[string, string]>;
  clock: LocalClock;
}

export interface Snapshot {
  /** The serialised snapshot: header and sections in one ArrayBuffer or SharedArrayBuffer. */
  readonly bytes: Uint8Array;
  readonly timeZone: string;
  readonly unidentifiedPolicyId: string;
  readonly categories: readonly CategoryDef[];
  readonly sources: readonly string[];
  readonly policies: readonly Policy[];
  /** Distinct names (domains, IPs, URL hosts, rule hosts) in the hash table. */
  readonly domainCount: number;
  /** Warnings from compilation: refused list entries, ignored actions. */
  readonly problems: readonly CompileProblem[];
  readonly meta: SnapshotMeta;
  readonly tables: SnapshotTables;
}

export interface LoadOptions {
  /** Check the checksum (~5 ms for 1.3M domains). Default true; a worker given a live snapshot may skip it. */
  verify?: boolean;
}

/** A snapshot from its serialised bytes; views, not copies. Throws an Error naming the problem for bad bytes. */
export function loadSnapshot(bytes: Uint8Array, options: LoadOptions = {}): Snapshot {
  return hydrateSnapshot(readSnapshotBuffer(bytes, options.verify ?? true));
}

export function hydrateSnapshot(sections: SnapshotSections): Snapshot {
  const { meta } = sections;
  const categoryIndex = new Map(meta.categories.map((c, i) => [c.id, i]));
  const listCategory = Int32Array.from(meta.lists, ([, category]) => category);
  const listSource = Int32Array.from(meta.lists, ([source]) => source);
  const categoryIllegal = Uint8Array.from(meta.categories, (c) => (c.illegal ? 1 : 0));
  const categoryCircumvention = Uint8Array.from(meta.categories, (c) => (c.circumvention ? 1 : 0));
  const ruleTarget = (p: number, kind: number, i: number): LocalEntry | PolicyException => {
    const policy = meta.policies[p];
    return kind === RULE_BLOCK ? policy.localBlock[i] : kind === RULE_ALLOW ? policy.localAllow[i] : policy.exceptions[i];
  };
  const ruleExpires = Float64Array.from(meta.rules, ([p, kind, i]) =>
    kind === RULE_EXCEPTION ? Date.parse((ruleTarget(p, kind, i) as PolicyException).expiresAt) : Infinity);
  const ruleIndex = new Map(meta.rules.map(([p, kind, i], rule) => [`${p}:${kind}:${i}`, rule]));
  const policies = meta.policies.map((policy, p) => compilePolicy(policy, p, meta, categoryIndex, ruleIndex, ruleExpires));
  const groupPolicy = new Map<string, number>();
  for (const policy of policies) {
    for (const group of meta.policies[policy.index].groupIds) {
      const current = groupPolicy.get(group);
      // equal priorities: the policy listed first keeps the group, so the choice never depends on a Map's order
      if (current === undefined || policies[current].priority < policy.priority) groupPolicy.set(group, policy.index);
    }
  }
  // owners are indices into meta.expressions, so a match names its pattern and, through expressionLists, its list
  const expressionSet = (illegal: boolean) => {
    const chosen = meta.expressions.map((e, i) => [e, i] as const)
      .filter(([[list]]) => (categoryIllegal[listCategory[list]] === 1) === illegal);
    return chosen.length === 0 ? null : new ExpressionSet(chosen.map(([[, p]]) => p), chosen.map(([, i]) => i));
  };
  const unidentified = policies.find((p) => p.id === meta.unidentifiedPolicyId);
  if (unidentified === undefined) throw new Error('snapshot names an unidentified policy it does not contain');
  const tables: SnapshotTables = {
    slots: sections.slots,
    capacity: meta.capacity,
    setOffsets: sections.setOffsets,
    setRefs: sections.setRefs,
    urlOwner: sections.urlOwner,
    urlPaths: sections.urlPaths,
    urlBytes: sections.urlBytes,
    listCategory,
    listSource,
    categoryIllegal,
    categoryCircumvention,
    rulePolicy: Int32Array.from(meta.rules, ([p]) => p),
    ruleKind: Uint8Array.from(meta.rules, ([, kind]) => kind),
    ruleExpires,
    ruleIds: meta.rules.map(([p, kind, i]) => ruleTarget(p, kind, i).id),
    policies,
    unidentified,
    groupPolicy,
    illegalExpressions: expressionSet(true),
    categoryExpressions: expressionSet(false),
    expressionLists: Int32Array.from(meta.expressions, ([list]) => list),
    expressionPatterns: meta.expressions.map(([, pattern]) => pattern),
    sourceIds: meta.sources,
    categoryIds: meta.categories.map((c) => c.id),
    builtInKind: Uint8Array.from(meta.builtIns, (b) => (b.kind === 'circumvention' ? 1 : 2)),
    builtInExact: Uint8Array.from(meta.builtIns, (b) => (b.exact ? 1 : 0)),
    builtInTarget: meta.builtIns.map((b) => b.target),
    safeSearchWildcards: meta.safeSearchWildcards,
    clock: new LocalClock(meta.timeZone),
  };
  return {
    bytes: sections.bytes,
    timeZone: meta.timeZone,
    unidentifiedPolicyId: meta.unidentifiedPolicyId,
    categories: meta.categories,
    sources: meta.sources,
    policies: meta.policies,
    domainCount: meta.domainCount,
    problems: meta.problems,
    meta,
    tables,
  };
}

function severities(actions: Record<string, PolicyAction>, categoryIndex: Map<string, number>): Uint8Array {
  const result = new Uint8Array(categoryIndex.size);
  for (const [categoryId, action] of Object.entries(actions)) {
    const i = categoryIndex.get(categoryId);
    if (i !== undefined) result[i] = SEVERITY[action];
  }
  return result;
}

function compilePolicy(
  policy: Policy, index: number, meta: SnapshotMeta, categoryIndex: Map<string, number>,
  ruleIndex: Map<string, number>, ruleExpires: Float64Array,
): CompiledPolicy {
  const ruleIndexOf = (kind: number, i: number) => ruleIndex.get(`${index}:${kind}:${i}`) ?? -1;
  const regexRules = (kind: number, entries: LocalEntry[]) => {
    const chosen = entries.map((entry, i) => [entry, i] as const).filter(([entry]) => entry.kind === 'regex');
    return chosen.length === 0 ? null : new ExpressionSet(chosen.map(([e]) => e.value), chosen.map(([, i]) => ruleIndexOf(kind, i)));
  };
  const categoryExceptions: Array<[number, number, number]> = [];
  policy.exceptions.forEach((exception, i) => {
    const category = categoryIndex.get(exception.value);
    if (exception.kind !== 'category' || category === undefined || meta.categories[category].illegal) return;
    const rule = ruleIndexOf(RULE_EXCEPTION, i);
    categoryExceptions.push([category, ruleExpires[rule], rule]);
  });
  return {
    index,
    id: policy.id,
    priority: policy.priority,
    defaultAction: policy.defaultAction,
    actions: severities(policy.categoryActions, categoryIndex),
    windows: policy.schedules.map((window) => ({
      id: window.id,
      dayMask: window.days.reduce((mask, day) => mask | (1 << day), 0),
      start: parseClockTime(window.start),
      end: parseClockTime(window.end),
      actions: severities(window.categoryActions, categoryIndex),
    })),
    safeSearch: policy.safeSearch === true,
    categoryExceptions,
    localBlockExpressions: regexRules(RULE_BLOCK, policy.localBlock),
    localAllowExpressions: regexRules(RULE_ALLOW, policy.localAllow),
    categoryRank: Array.isArray(policy.categoryOrder) ? categoryRanks(policy.categoryOrder, categoryIndex) : null,
  };
}

function categoryRanks(order: string[], categoryIndex: Map<string, number>): Int32Array {
  const ranks = new Int32Array(categoryIndex.size).fill(order.length);
  order.forEach((categoryId, rank) => {
    const i = categoryIndex.get(categoryId);
    if (i !== undefined && ranks[i] === order.length) ranks[i] = rank;
  });
  return ranks;
}
