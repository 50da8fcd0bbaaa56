/**
 * `osprey import squidguard FILE`: a squidGuard configuration becomes Osprey list sources and filtering policies,
 * through the same services as the rest of Osprey, so every change is audited and in the filter change log (R3.2).
 *
 *  - each dest → one list source (`importListSource`), under the Osprey category its name (or its folder's name)
 *    matches in the taxonomy or a vendor mapping (UT1, The Block List Project, ShadowWhisperer), or the one given
 *    with `--category DEST=ID`. A dest's files are imported from their folder when they are a squidGuard category
 *    folder; otherwise they are copied, under the names domains/urls/expressions, into <data>/squidguard/;
 *  - each src with an acl → a policy: the acl's pass list becomes category actions, `all`/`none` the default action.
 *    Osprey's groups are people, so squidGuard's IP ranges and ident users cannot be targets: the policy is created
 *    for nobody, its description records who squidGuard applied it to, and the import prints those rules "to set up
 *    in identity";
 *  - the default acl → a policy too; Osprey's own policy for unidentified devices is left as it is.
 * Whatever cannot be carried over (redirect templates, in-addr, time-dependent acl entries, rewrite rules) is listed.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AuditActor } from '../../platform/audit.ts';
import type { Clock } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import type { PolicyAction } from '../engine/types.ts';
import { LIST_VENDORS, mapCategory } from '../lists/mappings.ts';
import { categoryById } from '../lists/taxonomy.ts';
import { createPolicy, updatePolicy } from '../policy/service.ts';
import * as policyStore from '../policy/store.ts';
import { importListSource } from '../sources/service.ts';
import type { ConfigProblem, SgAcl, SgDest, SgSource, SquidGuardConfig } from './config.ts';

export interface DestPlan {
  dest: string;
  line: number;
  /** The list files the dest names that exist, by squidGuard kind. */
  files: Array<{ kind: 'domains' | 'urls' | 'expressions'; path: string }>;
  categoryId: string | null;
  /** How the category was chosen, or why there is none. */
  categoryWhy: string;
  sourceName: string;
  /** The folder handed to importListSource; `staged`: a copy to be made under the data folder first. */
  location?: string;
  staged: boolean;
  /** Set when the dest cannot be imported. */
  problem?: string;
}

export interface PolicyPlan {
  key: string;
  name: string;
  description: string;
  priority: number;
  defaultAction: PolicyAction;
  categoryActions: Record<string, PolicyAction>;
  /** Which dest set each category action. */
  actionFrom: Record<string, string>;
  source: string;
  line: number;
}

export interface ImportPlan {
  file: string;
  dests: DestPlan[];
  policies: PolicyPlan[];
  /** Identity rules for a later identity module: "src kids: ip 10.0.0.0/22 → policy …". */
  identity: string[];
  /** What was not carried over, as file:line: reason. */
  notImported: ConfigProblem[];
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
const SQUIDGUARD_NAMES = { domains: 'domains', urls: 'urls', expressions: 'expressions' } as const;

/** The Osprey category a name stands for: a taxonomy id, else a vendor's category of that name. */
function categoryForName(name: string): { id: string; why: string } | { id: null; why: string } | undefined {
  const category = categoryById(name.toLowerCase());
  if (category !== undefined) return category.illegal ? undefined : { id: category.id, why: `'${name}' is an Osprey category` };
  for (const vendor of LIST_VENDORS) {
    const mapping = mapCategory(vendor, name);
    if (mapping === undefined) continue;
    if (mapping.categoryId === null) return { id: null, why: `${vendor}'s '${mapping.name}' is not imported by Osprey (${mapping.reason})` };
    return { id: mapping.categoryId, why: `'${name}' is ${vendor}'s name for it` };
  }
  return undefined;
}

function chooseCategory(dest: SgDest, files: DestPlan['files'], given: Record<string, string>): { id: string | null; why: string } {
  const asked = given[dest.name];
  if (asked !== undefined) {
    const category = categoryById(asked);
    if (category === undefined) return { id: null, why: `--category ${dest.name}=${asked}: '${asked}' is not an Osprey category` };
    if (category.illegal) return { id: null, why: `--category ${dest.name}=${asked}: illegal-content categories are filled only from the IWF and police lists` };
    return { id: asked, why: 'chosen with --category' };
  }
  const byName = categoryForName(dest.name);
  if (byName !== undefined) return byName;
  const folder = files[0] === undefined ? undefined : path.basename(path.dirname(files[0].path));
  const byFolder = folder === undefined ? undefined : categoryForName(folder);
  if (byFolder !== undefined) return { id: byFolder.id, why: `${byFolder.why} (the folder of its lists)` };
  return { id: null, why: `no Osprey category matches '${dest.name}'; choose one with --category ${dest.name}=ID` };
}

async function planDest(dest: SgDest, given: Record<string, string>, dataDir: string): Promise<DestPlan> {
  const files: DestPlan['files'] = [];
  const missing: string[] = [];
  for (const [kind, ref] of [['domains', dest.domainlist], ['urls', dest.urllist], ['expressions', dest.expressionlist]] as const) {
    if (ref === undefined) continue;
    if (existsSync(ref.path)) files.push({ kind, path: ref.path });
    else missing.push(`${ref.given} (${ref.path})`);
  }
  const sourceName = `squidGuard ${dest.name}`.replace(/[^A-Za-z0-9 ._-]/g, '-').slice(0, 64);
  const { id, why } = chooseCategory(dest, files, given);
  const plan: DestPlan = { dest: dest.name, line: dest.line, files, categoryId: id, categoryWhy: why, sourceName, staged: false };
  if (missing.length > 0) plan.problem = `its list ${missing.length === 1 ? 'file is' : 'files are'} missing: ${missing.join(', ')}`;
  else if (files.length === 0) plan.problem = 'it names no domainlist, urllist or expressionlist';
  else if (id === null) plan.problem = why;
  if (plan.problem !== undefined) return plan;
  // a squidGuard category folder can be imported as it is, if the dest uses exactly the list files it holds
  const folder = path.dirname(files[0].path);
  const canonical = files.every((f) => path.dirname(f.path) === folder && path.basename(f.path) === SQUIDGUARD_NAMES[f.kind]);
  const inFolder = canonical ? (await readdir(folder)).filter((n) => n in SQUIDGUARD_NAMES) : [];
  if (canonical && inFolder.length === files.length) {
    plan.location = folder;
  } else {
    plan.location = path.join(dataDir, 'squidguard', slug(dest.name));
    plan.staged = true;
  }
  return plan;
}

function identityWords(src: SgSource): string {
  const parts: string[] = [];
  if (src.ips.length > 0) parts.push(`ip ${src.ips.map((r) => r.text).join(', ')}`);
  for (const ref of src.iplists) parts.push(`the addresses in ${ref.path}`);
  if (src.users.length > 0) parts.push(`user ${src.users.join(', ')}`);
  for (const ref of src.userlists) parts.push(`the users in ${ref.path}`);
  if (src.domains.length > 0) parts.push(`client host names in ${src.domains.join(', ')}`);
  let text = parts.length === 0 ? 'nobody (no ip, user or domain lines)' : parts.join(' AND ');
  if (src.time !== undefined) text += ` (only ${src.time.outside ? 'outside' : 'within'} time '${src.time.name}')`;
  return text;
}

/** Works out everything the import would do, without changing anything. */
export async function planSquidGuardImport(config: SquidGuardConfig, options: { categories: Record<string, string>; dataDir: string }): Promise<ImportPlan> {
  const notImported: ConfigProblem[] = [...config.unsupported];
  const skip = (line: number, reason: string) => notImported.push({ file: config.file, line, reason });
  for (const name of Object.keys(options.categories)) {
    if (!config.dests.some((d) => d.name === name)) skip(0, `--category ${name}=…: there is no dest called '${name}'`);
  }
  const dests: DestPlan[] = [];
  for (const dest of config.dests) {
    const plan = await planDest(dest, options.categories, options.dataDir);
    // names that differ only in characters a list-source name cannot hold must not land on each other
    if (dests.some((d) => d.sourceName === plan.sourceName)) plan.sourceName = `${plan.sourceName.slice(0, 56)} line ${dest.line}`;
    if (plan.staged && dests.some((d) => d.location === plan.location)) plan.location = `${plan.location}-${dest.line}`;
    dests.push(plan);
  }
  const destPlan = new Map(dests.map((d) => [d.dest, d]));
  if (config.redirect) skip(config.redirect.line, `the redirect template '${config.redirect.value}' is not imported: Osprey shows its own block page`);
  for (const d of config.dests) {
    if (d.redirect) skip(d.redirect.line, `dest '${d.name}': its redirect template is not imported (Osprey shows its own block page)`);
    if (d.time) skip(d.time.line, `dest '${d.name}' is only used ${d.time.outside ? 'outside' : 'within'} '${d.time.name}'; Osprey imports its list as always in use`);
  }

  const policies: PolicyPlan[] = [];
  const identity: string[] = [];
  const policyName = (source: string) => (source === 'default' ? 'squidGuard: default (everyone else)' : `squidGuard: ${source}`);
  const buildPolicy = (acl: SgAcl, priority: number, who: string): PolicyPlan => {
    const items = acl.pass ?? config.defaultAcl.pass ?? [];
    if (acl.pass === undefined && acl !== config.defaultAcl) skip(acl.line, `acl '${acl.source}' has no pass line, so it uses the default acl's, as in squidGuard`);
    if (acl.pass === undefined && config.defaultAcl.pass === undefined) skip(acl.line, `acl '${acl.source}': with no pass line here or in the default acl, squidGuard blocks everything, and so does the policy`);
    if (acl.redirect) skip(acl.redirect.line, `acl '${acl.source}': its redirect template is not imported (Osprey shows its own block page)`);
    const categoryActions: Record<string, PolicyAction> = {};
    const actionFrom: Record<string, string> = {};
    let defaultAction: PolicyAction = acl.pass === undefined && config.defaultAcl.pass === undefined ? 'block' : 'allow';
    let passedFirst: string | undefined;
    for (const item of items) {
      if (item.kind === 'all' || item.kind === 'none') { defaultAction = item.allow ? 'allow' : 'block'; break; }
      if (item.kind === 'in-addr') { skip(item.line, `acl '${acl.source}': '${item.allow ? '' : '!'}in-addr' (requests to bare IP addresses) has no Osprey category, so it is not imported`); continue; }
      const plan = destPlan.get(item.name);
      if (plan?.categoryId == null) { skip(item.line, `acl '${acl.source}': dest '${item.name}' is not imported (${plan?.problem ?? 'unknown dest'}), so '${item.allow ? '' : '!'}${item.name}' is left out`); continue; }
      const action: PolicyAction = item.allow ? 'allow' : 'block';
      const earlier = actionFrom[plan.categoryId];
      if (earlier !== undefined) {
        if (categoryActions[plan.categoryId] !== action) skip(item.line, `acl '${acl.source}': dests '${earlier}' and '${item.name}' are both category '${plan.categoryId}'; the first, '${earlier}', decides, as in squidGuard`);
        continue;
      }
      if (!item.allow && passedFirst !== undefined) skip(item.line, `acl '${acl.source}': squidGuard passes dest '${passedFirst}' before it blocks '${item.name}'; in Osprey the block wins for a site in both categories`);
      if (item.allow) passedFirst ??= item.name;
      categoryActions[plan.categoryId] = action;
      actionFrom[plan.categoryId] = item.name;
    }
    const description = `Imported from squidGuard (${path.basename(config.file)}, acl line ${acl.line}). squidGuard applied it to ${who}. `
      + 'It applies to nobody in Osprey until those people or devices are set up in identity and given to this policy. '
      + "Its category actions act on Osprey's whole category, whichever lists fill it.";
    return { key: `squidguard-${slug(acl.source)}`, name: policyName(acl.source), description, priority, defaultAction, categoryActions, actionFrom, source: acl.source, line: acl.line };
  };

  config.sources.forEach((src, index) => {
    const entries = config.acls.filter((a) => a.source === src.name && !a.never);
    const who = identityWords(src);
    if (entries.length === 0) {
      identity.push(`src ${src.name} (line ${src.line}): ${who} → ${policyName('default')} (it has no acl, so squidGuard applied the default acl)`);
      return;
    }
    const [first, ...others] = entries;
    if (first.time) skip(first.line, `acl '${src.name}' applies only ${first.time.outside ? 'outside' : 'within'} '${first.time.name}'; Osprey imports it as always in force`);
    for (const other of others) skip(other.line, `acl '${src.name}'${other.isElse ? ' else' : ''} (a second, time-dependent entry for the same src) is not imported`);
    if (src.continue) skip(src.line, `src '${src.name}' has 'continue'; Osprey applies one policy per request`);
    const policy = buildPolicy(first, 200 + (config.sources.length - index) * 10, `${who}`);
    policies.push(policy);
    identity.push(`src ${src.name} (line ${src.line}): ${who} → ${policy.name}`);
  });
  policies.push(buildPolicy(config.defaultAcl, 1, 'everyone no src matched'));
  identity.push(`everyone else → ${policyName('default')} (Osprey's own "Unidentified devices" policy is not changed)`);
  return { file: config.file, dests, policies, identity, notImported };
}

export interface ImportDeps { db: Db; clock: Clock; dataDir: string }

export interface ImportOutcome {
  sources: Array<{ dest: string; name: string; result: 'imported' | 'unchanged' | 'failed'; message?: string; entries?: number }>;
  policies: Array<{ name: string; result: 'created' | 'updated' | 'unchanged' }>;
}

async function stage(plan: DestPlan): Promise<void> {
  await mkdir(plan.location!, { recursive: true });
  for (const f of plan.files) await copyFile(f.path, path.join(plan.location!, SQUIDGUARD_NAMES[f.kind]));
}

/** Carries out a plan: list sources first (so policies never name a category that is empty), then policies. */
export async function applySquidGuardImport(deps: ImportDeps, actor: AuditActor & { schoolId: string }, plan: ImportPlan, reason: string): Promise<ImportOutcome> {
  const outcome: ImportOutcome = { sources: [], policies: [] };
  for (const dest of plan.dests) {
    if (dest.problem !== undefined || dest.location === undefined || dest.categoryId === null) continue;
    try {
      if (dest.staged) await stage(dest);
      const result = await importListSource(deps, actor, { name: dest.sourceName, location: dest.location, format: 'squidguard', category: dest.categoryId, reason });
      const entries = Object.values(result.entries).reduce((a, b) => a + b, 0);
      outcome.sources.push({ dest: dest.dest, name: dest.sourceName, result: result.changed ? 'imported' : 'unchanged', entries });
    } catch (e) {
      outcome.sources.push({ dest: dest.dest, name: dest.sourceName, result: 'failed', message: (e as Error).message });
    }
  }
  const existing = await policyStore.listPolicies(deps.db, actor.schoolId);
  for (const p of plan.policies) {
    const document = {
      name: p.name, description: p.description, priority: p.priority, defaultAction: p.defaultAction, safeSearch: false,
      categoryActions: p.categoryActions, schedules: [], localBlock: [], localAllow: [], targets: [] as string[],
    };
    const before = existing.find((e) => e.key === p.key);
    if (before !== undefined) {
      const same = JSON.stringify({ ...document, targets: before.targets }) === JSON.stringify({
        name: before.name, description: before.description, priority: before.priority, defaultAction: before.defaultAction, safeSearch: before.safeSearch,
        categoryActions: before.categoryActions, schedules: before.schedules, localBlock: before.localBlock, localAllow: before.localAllow, targets: before.targets,
      });
      if (same) { outcome.policies.push({ name: p.name, result: 'unchanged' }); continue; }
      // keep whatever groups someone has since given the policy
      await updatePolicy({ db: deps.db, clock: deps.clock, actor }, before.id, { document: { ...document, targets: before.targets }, reason, expectedVersion: before.version });
      outcome.policies.push({ name: p.name, result: 'updated' });
      continue;
    }
    await createPolicy({ db: deps.db, clock: deps.clock, actor }, p.key, document, reason);
    outcome.policies.push({ name: p.name, result: 'created' });
  }
  return outcome;
}
