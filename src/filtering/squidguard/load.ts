/**
 * Reads the files a squidGuard configuration names: each dest's domainlist, urllist and expressionlist (through
 * Osprey's own squidGuard list parsers, so entries are checked the same way as `osprey lists import`), and each
 * src's userlist and iplist files. A file that cannot be read is an error at the line that names it, as it is for
 * squidGuard; a bad line inside a list is skipped and reported.
 */
import { readFile } from 'node:fs/promises';
import { parseSquidGuardCategory } from '../lists/formats/squidguard.ts';
import { ipWords, parseIpRule, type IpRule } from './ip.ts';
import { SquidGuardConfigError, readSquidGuardConfig, type ConfigProblem, type FileRef, type SgDest, type SquidGuardConfig } from './config.ts';

export interface DestEntries {
  domains: string[];
  urls: string[];
  expressions: string[];
}

export interface SourceLists {
  /** Users from `user` lines and userlist files, lower-case. */
  users: Set<string>;
  /** Rules from `ip` lines and iplist files. */
  ips: IpRule[];
}

export interface LoadedSquidGuard {
  config: SquidGuardConfig;
  /** Entries per dest name, for the dests some acl uses. */
  dests: Map<string, DestEntries>;
  sources: Map<string, SourceLists>;
  /** Lines skipped inside list files, as `file:line: reason`. */
  listProblems: ConfigProblem[];
  /** How many lines were skipped in all (listProblems keeps the first few hundred). */
  listProblemCount: number;
}

/**
 * User and address lists are read as latin1, as Squid's request lines are, so names compare byte for byte; dest lists
 * are handed to the list parsers as bytes (they decode UTF-8, for international domain names).
 */
async function readRef(ref: FileRef, config: SquidGuardConfig, errors: ConfigProblem[]): Promise<Buffer | undefined> {
  try {
    return await readFile(ref.path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? (e as Error).message})`;
    errors.push({ file: config.file, line: ref.line, reason: `'${ref.given}' (${ref.path}): ${why}` });
    return undefined;
  }
}

/** userlist files: one or more users per line (spaces or commas), or 'user:…' passwd-style lines; '#' comments. */
function readUsers(text: string, into: Set<string>): void {
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#')) continue;
    const line = raw.replace(/\r$/, '').replace(/#.*$/, '');
    const colon = line.indexOf(':');
    if (colon >= 0) {
      const user = line.slice(0, colon).trim().toLowerCase();
      if (user) into.add(user);
      continue;
    }
    for (const word of line.split(/[ \t,]+/)) if (word) into.add(word.toLowerCase());
  }
}

/** iplist files: addresses, prefixes, netmasks or ranges, several per line; '#' comments. */
function readIps(text: string, file: string, into: IpRule[], errors: ConfigProblem[]): void {
  text.split('\n').forEach((raw, index) => {
    if (raw.startsWith('#')) return;
    const line = raw.replace(/\r$/, '').replace(/#.*$/, '');
    for (const word of ipWords([line])) {
      const rule = parseIpRule(word);
      if (typeof rule === 'string') errors.push({ file, line: index + 1, reason: rule });
      else into.push(rule);
    }
  });
}

async function readDest(dest: SgDest, config: SquidGuardConfig, errors: ConfigProblem[], problems: ConfigProblem[]): Promise<{ entries: DestEntries; problemCount: number }> {
  const files: Partial<Record<'domains' | 'urls' | 'expressions', Uint8Array>> = {};
  const labels = new Map<string, string>();
  for (const [kind, ref] of [['domains', dest.domainlist], ['urls', dest.urllist], ['expressions', dest.expressionlist]] as const) {
    if (ref === undefined) continue;
    const text = await readRef(ref, config, errors);
    if (text === undefined) continue;
    files[kind] = text;
    labels.set(`${dest.name}/${kind}`, ref.path);
  }
  // the school's own configuration: a whitelisted gouv.fr means every site under it, as it does in squidGuard
  const parsed = parseSquidGuardCategory(files, dest.name, { allowPublicSuffix: true });
  for (const p of parsed.problems) problems.push({ file: labels.get(p.file) ?? p.file, line: p.line, reason: p.reason });
  return { entries: parsed.entries, problemCount: parsed.counts.problems };
}

/** The dests an acl can reach: only those are read (a configuration may define many it never uses). */
export function usedDestNames(config: SquidGuardConfig): Set<string> {
  const used = new Set<string>();
  for (const acl of config.acls) for (const item of acl.pass ?? []) if (item.kind === 'dest') used.add(item.name);
  return used;
}

/** Parses the configuration and reads every file it names that decisions depend on. */
export async function loadSquidGuard(configFile: string): Promise<LoadedSquidGuard> {
  const config = await readSquidGuardConfig(configFile);
  const errors: ConfigProblem[] = [];
  const listProblems: ConfigProblem[] = [];
  let listProblemCount = 0;
  const dests = new Map<string, DestEntries>();
  const used = usedDestNames(config);
  for (const dest of config.dests) {
    if (!used.has(dest.name)) continue;
    const { entries, problemCount } = await readDest(dest, config, errors, listProblems);
    listProblemCount += problemCount;
    dests.set(dest.name, entries);
  }
  const sources = new Map<string, SourceLists>();
  for (const src of config.sources) {
    const lists: SourceLists = { users: new Set(src.users), ips: [...src.ips] };
    for (const ref of src.userlists) {
      const text = await readRef(ref, config, errors);
      if (text !== undefined) readUsers(text.toString('latin1'), lists.users);
    }
    for (const ref of src.iplists) {
      const text = await readRef(ref, config, errors);
      if (text !== undefined) readIps(text.toString('latin1'), ref.path, lists.ips, errors);
    }
    sources.set(src.name, lists);
  }
  if (errors.length > 0) throw new SquidGuardConfigError(errors);
  return { config, dests, sources, listProblems: listProblems.slice(0, 500), listProblemCount };
}
