/**
 * squidGuard configuration → engine `CompileInput`, plus the identity rules (identity.ts) and what the helper needs
 * to answer as squidGuard would (which src and dest to name, which redirect template to fill in).
 *
 * MAPPING
 *  - each dest an acl uses → a category of the same name, with the dest's lists as its entries; `in-addr` (requests
 *    to bare IPv4 addresses) → a category 'in-addr' holding one expression;
 *  - each acl entry → a policy (group id = policy id, handed out by SquidGuardIdentity); the default acl → the
 *    policy for unidentified requests. Priorities follow the order of the src blocks, because squidGuard takes the
 *    first src that matches a request: the first src has the highest priority;
 *  - a pass list ends at its first `all` (default action allow) or `none` (default action block); without either, a
 *    request that matches nothing passes, as in squidGuard.
 *
 * ORDER OF A PASS LIST. squidGuard walks a pass list left to right and the first dest that matches decides; the
 * engine has fixed tiers instead — local block, then local allow, then category actions (block beats allow). So a
 * pass list is cut into runs of passes (A) and blocks (B) and, from the right, the last `B… A…` becomes category
 * actions, the run of passes before it local allow entries, and the run of blocks before that local block entries
 * (copies of those dests' entries). That covers every pass list of the form B A B A (e.g. `pass whitelist !porn all`
 * or `pass !local-block local-allow !adult all`); a list that alternates more is reported as unsupported.
 * Repeated dests count once, at their first place, as only that one can ever decide.
 */
import { parseDomainEntry, parseUrlEntry } from '../engine/compile-entries.ts';
import { checkPattern } from '../engine/expressions.ts';
import type { CategoryDef, CompileInput, ListEntries, LocalEntry, Policy } from '../engine/types.ts';
import type { ConfigProblem, PassItem, SgAcl } from './config.ts';
import { SquidGuardIdentity, type PolicyNaming } from './identity.ts';
import type { DestEntries, LoadedSquidGuard } from './load.ts';

/** squidGuard's `in-addr`: the host is only digits and dots. Run over `host:port/path` (or the host alone). */
export const IN_ADDR_PATTERN = '^[0-9.]+(:[0-9]*)?([/?#]|$)';

/** Most timed dests one pass list may depend on: each doubles that acl's policies. */
const MAX_TIMED_DESTS = 6;

/** What the helper needs to answer for one policy. */
export interface PolicyRoute {
  policyId: string;
  /** Index into config.acls. */
  acl: number;
  /** squidGuard's %s. */
  source: string;
  /** %t when the end of the pass list blocks ('none', or 'unknown' when no acl has a pass line). */
  fallthroughTarget: string;
  /** The redirect template for a block by `target` (a dest name, 'in-addr', 'none'…); undefined: squidGuard passes. */
  redirectFor(target: string): string | undefined;
}

export interface SquidGuardTranslation {
  input: CompileInput;
  identity: SquidGuardIdentity;
  routes: Map<string, PolicyRoute>;
  /** The dest (or 'in-addr') a local rule id stands for. */
  ruleTarget(ruleId: string): string | undefined;
  /** Constructs found while translating that cannot be run exactly (reported like config.unsupported). */
  problems: ConfigProblem[];
}

type Item = { target: string; allow: boolean };

function hasEntries(entries: DestEntries | undefined): boolean {
  return entries !== undefined && entries.domains.length + entries.urls.length + entries.expressions.length > 0;
}

/** Cuts the effective pass items into engine tiers, or says why that cannot be done. */
function tiers(items: Item[]): { category: Item[]; localAllow: Item[]; localBlock: Item[] } | string {
  const runs: Item[][] = [];
  for (const item of items) {
    const last = runs.at(-1);
    if (last !== undefined && last[0].allow === item.allow) last.push(item);
    else runs.push([item]);
  }
  const category: Item[] = [];
  if (runs.at(-1)?.[0].allow === true) category.unshift(...runs.pop()!);
  if (runs.at(-1)?.[0].allow === false) category.unshift(...runs.pop()!);
  const localAllow = runs.pop() ?? [];
  const localBlock = runs.pop() ?? [];
  if (runs.length > 0) {
    return 'the pass list switches between passing and blocking dests more often than Osprey can keep in order (at most: blocks, passes, blocks, passes)';
  }
  return { category, localAllow, localBlock };
}

/** A dest's entries as local rules, leaving out any the engine would refuse (it refuses bad local rules outright). */
function localEntries(targetIndex: number, target: string, dests: Map<string, DestEntries>): LocalEntry[] {
  const out: LocalEntry[] = [];
  const add = (kind: LocalEntry['kind'], value: string) => out.push({ id: `t${targetIndex}.${out.length}`, kind, value });
  if (target === 'in-addr') {
    add('regex', IN_ADDR_PATTERN);
    return out;
  }
  const entries = dests.get(target)!;
  for (const d of entries.domains) if (parseDomainEntry(d) !== null) add('domain', d);
  for (const u of entries.urls) if (parseUrlEntry(u) !== null) add('url', u);
  for (const e of entries.expressions) if (checkPattern(e) === null) add('regex', e);
  return out;
}

export function translateSquidGuard(loaded: LoadedSquidGuard, options: { timeZone: string }): SquidGuardTranslation {
  const { config, dests } = loaded;
  const problems: ConfigProblem[] = [];
  const problem = (line: number, reason: string) => problems.push({ file: config.file, line, reason });
  const destByName = new Map(config.dests.map((d) => [d.name, d]));
  const defaultIndex = config.acls.lastIndexOf(config.defaultAcl);
  const passOf = (acl: SgAcl): PassItem[] | undefined => acl.pass ?? config.defaultAcl.pass;

  // which acl entries can ever apply, and their policy names
  const ordinal = new Map<number, number>();
  const seen = new Map<string, number>();
  config.acls.forEach((acl, index) => {
    if (acl.source === 'default' ? index !== defaultIndex : acl.never) return;
    const n = (seen.get(acl.source) ?? 0) + 1;
    seen.set(acl.source, n);
    ordinal.set(index, n);
  });
  const timed = new Map<number, string[]>();
  for (const index of ordinal.keys()) {
    const names = [...new Set((passOf(config.acls[index]) ?? [])
      .filter((p) => p.kind === 'dest' && destByName.get(p.name)?.time !== undefined && hasEntries(dests.get(p.name)))
      .map((p) => p.name))];
    if (names.length > MAX_TIMED_DESTS) {
      problem(config.acls[index].line, `acl '${config.acls[index].source}' uses ${names.length} dests with 'within' or 'outside'; Osprey supports at most ${MAX_TIMED_DESTS} per acl, so the others are treated as always on`);
    }
    timed.set(index, names.slice(0, MAX_TIMED_DESTS));
  }
  const baseName = (index: number) => {
    const acl = config.acls[index];
    const n = ordinal.get(index) ?? 1;
    return n === 1 ? acl.source : `${acl.source}#${n}`;
  };
  const naming: PolicyNaming = {
    timedDests: (index) => timed.get(index) ?? [],
    policyFor: (index, mask) => {
      const names = timed.get(index) ?? [];
      return names.length === 0 ? baseName(index) : `${baseName(index)}@${mask.toString(2).padStart(names.length, '0')}`;
    },
  };

  const targets: string[] = [];
  const targetIndex = (target: string) => {
    let i = targets.indexOf(target);
    if (i < 0) i = targets.push(target) - 1;
    return i;
  };
  const sourceIndex = new Map(config.sources.map((s, i) => [s.name, i]));
  const policies: Policy[] = [];
  const routes = new Map<string, PolicyRoute>();
  const reported = new Set<number>();

  for (const index of ordinal.keys()) {
    const acl = config.acls[index];
    const names = timed.get(index) ?? [];
    const src = sourceIndex.get(acl.source);
    const priority = src === undefined ? 0 : (config.sources.length - src) * 10;
    for (let mask = 0; mask < 1 << names.length; mask++) {
      const id = naming.policyFor(index, mask);
      const items = passOf(acl);
      const effective: Item[] = [];
      let defaultAction: 'allow' | 'block' = 'allow';
      let fallthroughTarget = 'none';
      if (items === undefined) {
        defaultAction = 'block'; // no pass list anywhere: squidGuard blocks everything, naming no dest
        fallthroughTarget = 'unknown';
      } else {
        for (const item of items) {
          if (item.kind === 'all' || item.kind === 'none') {
            defaultAction = item.allow ? 'allow' : 'block';
            fallthroughTarget = item.name;
            break;
          }
          if (item.kind === 'dest') {
            const bit = names.indexOf(item.name);
            if (!hasEntries(dests.get(item.name)) || (bit >= 0 && (mask & (1 << bit)) === 0)) continue;
          }
          if (!effective.some((e) => e.target === item.name)) effective.push({ target: item.name, allow: item.allow });
        }
      }
      let cut = tiers(effective);
      if (typeof cut === 'string') {
        if (!reported.has(index)) problem(items?.[0]?.line ?? acl.line, `acl '${acl.source}': ${cut}`);
        reported.add(index);
        cut = { category: effective, localAllow: [], localBlock: [] };
      }
      const local = (list: Item[]) => list.flatMap((item) => localEntries(targetIndex(item.target), item.target, dests));
      for (const item of cut.category) targetIndex(item.target);
      policies.push({
        id, name: `squidGuard acl '${acl.source}'${acl.isElse ? ' (else)' : acl.time ? ` (${acl.time.outside ? 'outside' : 'within'} ${acl.time.name})` : ''}`,
        priority, groupIds: [id], defaultAction,
        categoryActions: Object.fromEntries(cut.category.map((item) => [item.target, item.allow ? 'allow' : 'block'])),
        schedules: [], localBlock: local(cut.localBlock), localAllow: local(cut.localAllow), exceptions: [], safeSearch: false,
        // a URL in several dests names the first of them in the pass list, as squidGuard does
        categoryOrder: cut.category.map((item) => item.target),
      });
      const fallback = config.defaultAcl.redirect?.value ?? config.redirect?.value;
      routes.set(id, {
        policyId: id, acl: index, source: acl.source, fallthroughTarget,
        redirectFor: (target) => {
          if (items === undefined) return fallback;
          const byDest = destByName.get(target)?.redirect?.value;
          return byDest ?? acl.redirect?.value ?? fallback;
        },
      });
    }
  }

  const categories: CategoryDef[] = [];
  const lists: ListEntries[] = [];
  for (const target of targets) {
    categories.push({ id: target, name: target === 'in-addr' ? 'squidGuard in-addr' : `squidGuard dest '${target}'`, description: 'Imported from a squidGuard configuration', illegal: false });
    const entries = target === 'in-addr' ? { domains: [], urls: [], expressions: [IN_ADDR_PATTERN] } : dests.get(target)!;
    lists.push({ sourceId: `squidguard:${target}`, categoryId: target, ...entries });
  }

  const identity = new SquidGuardIdentity(config, loaded.sources, naming, options.timeZone);
  const defaultMask = (1 << (timed.get(defaultIndex)?.length ?? 0)) - 1;
  return {
    input: { categories, lists, policies, unidentifiedPolicyId: naming.policyFor(defaultIndex, defaultMask), timeZone: options.timeZone },
    identity, routes, problems,
    ruleTarget: (ruleId) => {
      const m = /^t(\d+)\./.exec(ruleId);
      return m === null ? undefined : targets[Number(m[1])];
    },
  };
}
