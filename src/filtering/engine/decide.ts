/**
 * `decide(snapshot, request) → Decision`: the per-request hot path. The order is fixed (R2.5) and the first step is
 * the one that can never be skipped:
 *
 *   1. illegal lists (IWF, CTIRU): block — before anything that could allow, so no rule can reach past it
 *   2. circumvention hosts (DoH canary, Private Relay): block
 *   3. approved exceptions not yet expired: allow
 *   4. the policy's local block entries   5. its local allow entries
 *   6. category actions (a schedule window active now replaces them per category); most restrictive wins
 *   7. the policy's default action
 *   then SafeSearch: an allowed (or monitored) search engine or YouTube becomes its locked-safe host.
 *
 * Never throws: anything unreadable is `invalid_request`, answered with `block` (see index.ts).
 */
import { getPublicSuffix } from 'tldts';
import type { ExpressionSet } from './expressions.js';
import { windowCovers } from './local-time.js';
import {
  collectExpressionMatches, collectHostMatches, KIND_EXPRESSION, KIND_URL, matches, resolveUrlMatches, urlEntryPath,
} from './matches.js';
import { canonicalUrl, comparablePath, isPlainPath, normaliseHost, scanUrl, scanUrlWithHost, urlScan } from './normalise.js';
import {
  REF_BUILT_IN, REF_ID, REF_LIST, REF_RULE, REF_TAG, RULE_ALLOW, RULE_BLOCK, RULE_EXCEPTION,
} from './snapshot-format.js';
import { ACTION_BY_SEVERITY, SEVERITY, type CompiledPolicy, type Snapshot, type SnapshotTables } from './snapshot-load.js';
import type { Decision, DecisionAction, DecisionRequest, PolicyAction, ReasonCode } from './types.js';

const WARN = 3;
/** The largest time a JS Date can hold; beyond it there is no local time to compute. */
const MAX_TIME = 8.64e15;

export function decide(snapshot: Snapshot, request: DecisionRequest): Decision {
  let policyId = '';
  try {
    const t = snapshot.tables;
    policyId = t.unidentified.id;
    const policy = choosePolicy(t, request.groupIds);
    policyId = policy.id;
    return decideRequest(t, policy, request);
  } catch {
    return { action: 'block', reason: 'invalid_request', policyId };
  }
}

/** The highest-priority policy among the request's groups; none (or no groups) → the unidentified policy. */
export function choosePolicy(t: SnapshotTables, groupIds: readonly string[] | undefined): CompiledPolicy {
  if (!Array.isArray(groupIds) || groupIds.length === 0) return t.unidentified;
  let best: CompiledPolicy | undefined;
  for (let i = 0; i < groupIds.length; i++) {
    const index = t.groupPolicy.get(groupIds[i]);
    if (index === undefined) continue;
    const policy = t.policies[index];
    if (best === undefined || policy.priority > best.priority || (policy.priority === best.priority && policy.index < best.index)) best = policy;
  }
  return best ?? t.unidentified;
}

function invalid(policy: CompiledPolicy): Decision {
  return { action: 'block', reason: 'invalid_request', policyId: policy.id };
}

function decideRequest(t: SnapshotTables, policy: CompiledPolicy, request: DecisionRequest): Decision {
  const time = request.time;
  if (typeof time !== 'number' || !(time >= -MAX_TIME && time <= MAX_TIME)) return invalid(policy);
  const url = request.url;
  if (url !== undefined && url !== null && typeof url !== 'string') return invalid(policy);
  const withUrl = typeof url === 'string';
  let host = request.host;
  // one pass hashes the host and checks it is already normal; only odd hosts are normalised and hashed again
  if (typeof host !== 'string' || !collectHostMatches(t, host, withUrl, false)) {
    const normal = normaliseHost(host);
    if (normal === null) return invalid(policy);
    host = normal;
    collectHostMatches(t, host, withUrl, true);
  }
  if (!withUrl) return decideCollected(t, policy, host, null, 0, time);
  let text = url;
  if (!scanUrlWithHost(text, host)) {
    if (!scanUrl(text)) {
      const canonical = canonicalUrl(url);
      if (canonical === null || !scanUrl(canonical)) return invalid(policy);
      text = canonical;
    }
    const { hostStart, hostEnd } = urlScan;
    const urlHost = normaliseHost(text.slice(hostStart, hostEnd));
    if (urlHost === null) return invalid(policy);
    if (urlHost !== host) {
      // the URL names another host than the connection (domain fronting, a confused client): both must pass
      collectHostMatches(t, urlHost, true, true);
      const byUrl = decideCollected(t, policy, urlHost, text, hostEnd, time);
      collectHostMatches(t, host, false, true);
      const byHost = decideCollected(t, policy, host, null, 0, time);
      return rank(byUrl) > rank(byHost) ? byUrl : byHost;
    }
  }
  return decideCollected(t, policy, host, text, urlScan.hostEnd, time);
}

/** ':port' as written, or '' for none or the scheme's default (`:80` for http is the same address as no port). */
function portOf(url: string, scheme: string, hostEnd: number, pathStart: number): string {
  if (hostEnd === pathStart) return '';
  const port = url.slice(hostEnd, pathStart);
  const http = scheme.length === 7; // 'http://'
  return (http && port === ':80') || (!http && scheme.length === 8 && port === ':443') ? '' : port;
}

const RESTRICTIVENESS: Record<DecisionAction, number> = { allow: 1, safesearch: 2, monitor: 3, warn: 4, block: 5 };

/** For choosing between two decisions: the more restrictive action, and between blocks the illegal-content one. */
function rank(decision: Decision): number {
  return RESTRICTIVENESS[decision.action] * 2 + (decision.reason === 'illegal_content' ? 1 : 0);
}

/** What went before the host in the URL whose text expressions see (`https://`), or ''; set by `comparePath`. */
let expressionScheme = '';

/**
 * Reads the request's path for URL entries and expressions: resolves pending URL matches against the path as
 * squidGuard compares it and returns the text expressions see (`host:port/path…`). Only runs when something compares
 * the path; then the path must be in the form a browser sends.
 */
function comparePath(t: SnapshotTables, policy: CompiledPolicy, host: string, url: string, hostEnd: number): string {
  let pathStart = urlScan.pathStart;
  if (!isPlainPath(url, pathStart, url.length)) {
    const canonical = canonicalUrl(url);
    if (canonical !== null && scanUrl(canonical)) {
      url = canonical;
      hostEnd = urlScan.hostEnd;
      pathStart = urlScan.pathStart;
    }
  }
  // %XX decoded and '//' merged, as squidGuard compares: a copy only when the URL has either
  const decoded = comparablePath(url, pathStart, url.length);
  if (matches.pendingUrls > 0) {
    if (decoded === null) resolveUrlMatches(t, url, pathStart, url.length);
    else resolveUrlMatches(t, decoded, 0, decoded.length);
  }
  if (t.illegalExpressions === null && t.categoryExpressions === null && policy.localBlockExpressions === null
    && policy.localAllowExpressions === null) return host;
  const authority = host.includes(':') ? `[${host}]` : host;
  expressionScheme = url.slice(0, url.indexOf(':') + 3);
  return authority + portOf(url, expressionScheme, hostEnd, pathStart) + (decoded ?? url.slice(pathStart));
}

/**
 * Everything after the host's table matches are collected (`matches`): paths, expressions, then the steps. `url`
 * has been scanned (`urlScan`), and `hostEnd` is where its host ends.
 */
function decideCollected(
  t: SnapshotTables, policy: CompiledPolicy, host: string, url: string | null, hostEnd: number, time: number,
): Decision {
  let text = host; // what expressions see: `host:port/path…` as squidGuard gives it, or the host alone
  expressionScheme = '';
  if (url !== null && (matches.pendingUrls > 0 || t.illegalExpressions !== null || t.categoryExpressions !== null
    || policy.localBlockExpressions !== null || policy.localAllowExpressions !== null)) {
    text = comparePath(t, policy, host, url, hostEnd);
  }
  if (t.illegalExpressions !== null) collectExpressionMatches(t.illegalExpressions, t.expressionLists, text, expressionScheme);
  if (t.categoryExpressions !== null) collectExpressionMatches(t.categoryExpressions, t.expressionLists, text, expressionScheme);

  let illegal = -1;
  let circumventionHost = -1;
  let safeSearchHost = -1;
  let lists = 0;
  let rules = 0;
  let circumvention = false;
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    const id = ref & REF_ID;
    const tag = ref & REF_TAG;
    if (tag === REF_LIST) {
      const category = t.listCategory[id];
      if (t.categoryIllegal[category] === 1) illegal = k;
      else lists++;
      if (t.categoryCircumvention[category] === 1) circumvention = true;
    } else if (tag === REF_RULE) {
      if (t.rulePolicy[id] === policy.index) rules++;
      else matches.ref[k] = 0; // another policy's rule: out of the later steps
    } else if (tag === REF_BUILT_IN) {
      if (t.builtInKind[id] === 1) circumventionHost = k;
      else if (matches.start[k] === 0 || t.builtInExact[id] === 0) safeSearchHost = k;
    }
  }
  // 1. illegal content: checked first, answered at once; nothing below can see this request
  if (illegal >= 0) return matched(t, 'block', 'illegal_content', policy, illegal, host, circumvention);
  if (circumventionHost >= 0) return matched(t, 'block', 'circumvention_host', policy, circumventionHost, host, true);

  const decision = decideAllowable(t, policy, host, text, time, lists, rules);
  if (policy.safeSearch && (decision.action === 'allow' || decision.action === 'monitor')) {
    const target = safeSearchHost >= 0 ? t.builtInTarget[matches.ref[safeSearchHost] & REF_ID] : wildcardTarget(t, host);
    if (target !== null) {
      const rewritten: Decision = { action: 'safesearch', reason: 'safesearch', policyId: policy.id, match: { entry: host }, safeSearchHost: target };
      if (circumvention) rewritten.circumvention = true;
      return rewritten;
    }
  }
  if (circumvention) decision.circumvention = true;
  return decision;
}

/** Steps 3–7: everything that may allow. Only reached when step 1 found nothing illegal. */
function decideAllowable(
  t: SnapshotTables, policy: CompiledPolicy, host: string, text: string, time: number, lists: number, rules: number,
): Decision {
  const listed = policy.categoryRank !== null;
  if (rules > 0) {
    const k = findRule(t, RULE_EXCEPTION, time, listed);
    if (k >= 0) return matched(t, 'allow', 'exception', policy, k, host, false);
  }
  const weekMinute = policy.windows.length > 0 && lists > 0 ? t.clock.weekMinute(time) : -1;
  if (lists > 0 && policy.categoryExceptions.length > 0) {
    const exception = categoryException(t, policy, host, time, weekMinute);
    if (exception !== null) return exception;
  }
  if (rules > 0 || policy.localBlockExpressions !== null) {
    const block = localRule(t, policy, host, RULE_BLOCK, policy.localBlockExpressions, text, time, rules, listed);
    if (block !== null) return block;
  }
  if (rules > 0 || policy.localAllowExpressions !== null) {
    const allow = localRule(t, policy, host, RULE_ALLOW, policy.localAllowExpressions, text, time, rules, listed);
    if (allow !== null) return allow;
  }
  if (lists > 0) {
    const k = strongestCategory(t, policy, weekMinute, time);
    if (k >= 0) {
      const decision = matched(t, ACTION_BY_SEVERITY[strongest.severity], 'category', policy, k, host, false);
      if (strongest.window >= 0) decision.match!.scheduleId = policy.windows[strongest.window].id;
      return decision;
    }
  }
  return { action: policy.defaultAction, reason: 'default', policyId: policy.id };
}

/**
 * The policy's local block (or allow) decision: a domain or URL entry, else a regular expression. With `listed`
 * (squidGuard's order) the entry listed first wins whichever kind it is.
 */
function localRule(
  t: SnapshotTables, policy: CompiledPolicy, host: string, kind: number, expressions: ExpressionSet | null,
  text: string, time: number, rules: number, listed: boolean,
): Decision | null {
  const action = kind === RULE_BLOCK ? 'block' : 'allow';
  const reason = kind === RULE_BLOCK ? 'local_block' : 'local_allow';
  const k = rules > 0 ? findRule(t, kind, time, listed) : -1;
  if (k >= 0 && !listed) return matched(t, action, reason, policy, k, host, false);
  const i = expressions === null ? -1 : expressions.firstMatch(text, expressionScheme);
  if (i >= 0 && (k < 0 || expressions!.owners[i] < (matches.ref[k] & REF_ID))) return expressionRule(t, action, reason, policy, expressions!, i);
  return k >= 0 ? matched(t, action, reason, policy, k, host, false) : null;
}

/**
 * The live rule of `kind` for the chosen policy: the most specific (last found), or with `listed` the one listed
 * first (rule indices follow the policy's lists); -1 when none.
 */
function findRule(t: SnapshotTables, kind: number, time: number, listed: boolean): number {
  let found = -1;
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    if ((ref & REF_TAG) !== REF_RULE) continue;
    const id = ref & REF_ID;
    if (t.ruleKind[id] !== kind || time >= t.ruleExpires[id]) continue;
    if (!listed || found < 0 || id < (matches.ref[found] & REF_ID)) found = k;
  }
  return found;
}

/** Reused result of `effectiveSeverity` / `strongestCategory`: severity and the schedule window that set it. */
const strongest = { severity: 0, window: -1 };

/** The policy's action for a category at `weekMinute` (-1: no windows): an active window's action replaces it. */
function effectiveSeverity(policy: CompiledPolicy, category: number, weekMinute: number): number {
  strongest.window = -1;
  const own = policy.actions[category];
  if (weekMinute < 0) return own;
  let override = 0;
  const windows = policy.windows;
  for (let w = 0; w < windows.length; w++) {
    const severity = windows[w].actions[category];
    // overlapping windows that both set this category: the more restrictive one wins, as for categories
    if (severity > override && windowCovers(windows[w], weekMinute)) {
      override = severity;
      strongest.window = w;
    }
  }
  return override > 0 ? override : own;
}

/**
 * The match whose category action is most restrictive (ties: see below), or -1 when none has one. A
 * category with a live exception counts as allowed, so the explanation names the category that really blocked.
 */
function strongestCategory(t: SnapshotTables, policy: CompiledPolicy, weekMinute: number, time: number): number {
  let best = -1;
  let bestSeverity = 0;
  let bestWindow = -1;
  const rank = policy.categoryRank;
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    if ((ref & REF_TAG) !== REF_LIST) continue;
    const category = t.listCategory[ref & REF_ID];
    let severity = effectiveSeverity(policy, category, weekMinute);
    if (policy.categoryExceptions.length > 0 && liveCategoryException(policy, category, time) >= 0) severity = SEVERITY.allow;
    // ties: the most specific (found last), or with a category order the category that comes first in it
    if (severity > 0 && (severity > bestSeverity || (severity === bestSeverity
      && (rank === null || rank[category] <= rank[t.listCategory[matches.ref[best] & REF_ID]])))) {
      best = k;
      bestSeverity = severity;
      bestWindow = strongest.window;
    }
  }
  strongest.severity = bestSeverity;
  strongest.window = bestWindow;
  return best;
}

/**
 * A live `category` exception allows the request when it covers one of the host's categories and no other
 * category of the host is blocked or warned: an exception for Games does not unblock a site that is also Gambling.
 */
function categoryException(
  t: SnapshotTables, policy: CompiledPolicy, host: string, time: number, weekMinute: number,
): Decision | null {
  let excepted = -1;
  let rule = -1;
  for (let k = 0; k < matches.count; k++) {
    const ref = matches.ref[k];
    if ((ref & REF_TAG) !== REF_LIST) continue;
    const category = t.listCategory[ref & REF_ID];
    const live = liveCategoryException(policy, category, time);
    if (live >= 0) {
      excepted = k;
      rule = live;
    } else if (effectiveSeverity(policy, category, weekMinute) >= WARN) return null;
  }
  if (excepted < 0) return null;
  const decision = matched(t, 'allow', 'exception', policy, excepted, host, false);
  decision.match!.ruleId = t.ruleIds[rule];
  return decision;
}

/** The rule index of a `category` exception for `category` that has not expired at `time`, or -1. */
function liveCategoryException(policy: CompiledPolicy, category: number, time: number): number {
  for (const [excepted, expires, rule] of policy.categoryExceptions) if (excepted === category && time < expires) return rule;
  return -1;
}

/** A decision naming match k: list source and category, or rule, and the entry as it matched. */
function matched(
  t: SnapshotTables, action: DecisionAction, reason: ReasonCode, policy: CompiledPolicy, k: number, host: string,
  circumvention: boolean,
): Decision {
  const ref = matches.ref[k];
  const id = ref & REF_ID;
  const kind = matches.kind[k];
  const start = matches.start[k];
  const domain = start <= 0 ? host : host.slice(start);
  const match: NonNullable<Decision['match']> = {
    entry: kind === KIND_EXPRESSION ? t.expressionPatterns[matches.detail[k]]
      : kind === KIND_URL ? domain + urlEntryPath(t, matches.detail[k]) : domain,
  };
  const tag = ref & REF_TAG;
  if (tag === REF_LIST) {
    match.sourceId = t.sourceIds[t.listSource[id]];
    match.categoryId = t.categoryIds[t.listCategory[id]];
  } else if (tag === REF_RULE) {
    match.ruleId = t.ruleIds[id];
  }
  const decision: Decision = { action, reason, policyId: policy.id, match };
  if (circumvention) decision.circumvention = true;
  return decision;
}

function expressionRule(
  t: SnapshotTables, action: PolicyAction, reason: ReasonCode, policy: CompiledPolicy, set: ExpressionSet, i: number,
): Decision {
  return { action, reason, policyId: policy.id, match: { ruleId: t.ruleIds[set.owners[i]], entry: set.patterns[i] } };
}

/** `name.*` SafeSearch hosts: `google.` or `www.google.` followed by exactly a public suffix (co.uk, com.au …). */
function wildcardTarget(t: SnapshotTables, host: string): string | null {
  for (const [prefix, target] of t.safeSearchWildcards) {
    if (host.length > prefix.length && host.startsWith(prefix)) {
      const rest = host.slice(prefix.length);
      if (getPublicSuffix(rest, { allowPrivateDomains: false }) === rest) return target;
    }
  }
  return null;
}
