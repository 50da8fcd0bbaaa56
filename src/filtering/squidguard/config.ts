/**
 * A parser for squidGuard configuration files (squidGuard.conf), so that a school can bring its existing
 * configuration to Osprey: settings (`dbhome`, `logdir`, `set NAME VALUE`, the global `redirect`), `src`, `dest`,
 * `time`, `rewrite` and `acl` blocks, `#` comments and "quoted strings".
 *
 * Three kinds of finding, kept apart because they lead to different actions:
 *  - errors: the file is not valid squidGuard either (squidGuard itself would stop) → `SquidGuardConfigError`;
 *  - `unsupported`: valid squidGuard that Osprey cannot honour (rewrite rules in use, LDAP/MySQL user lists, quotas);
 *    the helper refuses to run with them unless told to ignore them, and the import lists them;
 *  - `notes`: accepted and harmlessly ignored (log files, LDAP settings nothing uses).
 * Every finding is `file:line: reason`, in plain words.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ipWords, parseIpRule } from './ip.ts';
import { parseDate, parseWeekly } from './time.ts';
import {
  SquidGuardConfigError, type ConfigProblem, type FileRef, type SgAcl, type SgDest, type SgRewrite, type SgSource,
  type SgTime, type SquidGuardConfig, type TimeRef, type Valued,
} from './types.ts';

export * from './types.ts';

interface Token { text: string; line: number; quoted: boolean }

const isBrace = (t: Token | undefined) => t !== undefined && !t.quoted && (t.text === '{' || t.text === '}');
const UNKNOWN = Symbol('unknown directive');
type ListAppender = (more: Token[]) => void;
type Handler = (word: Token, args: Token[]) => ListAppender | typeof UNKNOWN | void;

function tokenise(text: string, file: string, errors: ConfigProblem[]): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') { i++; continue; }
    if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '{' || c === '}') { tokens.push({ text: c, line, quoted: false }); i++; continue; }
    if (c === '"') {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        value += text[j++];
      }
      if (text[j] !== '"') {
        errors.push({ file, line, reason: 'a quoted string is not closed on this line; add the closing "' });
        i = j;
        continue;
      }
      tokens.push({ text: value, line, quoted: true });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s{}]/.test(text[j])) j++;
    tokens.push({ text: text.slice(i, j), line, quoted: false });
    i = j;
  }
  return tokens;
}

const SOURCE_UNSUPPORTED: Record<string, string> = {
  userquota: 'time quotas (userquota)', ipquota: 'time quotas (ipquota)', ldapusersearch: 'LDAP user look-ups (ldapusersearch)',
  ldapipsearch: 'LDAP address look-ups (ldapipsearch)', userquery: 'MySQL user look-ups (userquery)',
  execuserlist: 'user lists from a command (execuserlist)', group: 'Unix groups (group)', netgroup: 'NIS netgroups (netgroup)',
};
/** Words squidGuard's lexer always reads as the start of a directive inside a block, never as a value. */
const BLOCK_KEYWORDS = new Set([
  'domainlist', 'urllist', 'expressionlist', 'iplist', 'ip', 'user', 'userlist', 'userquery', 'ldapusersearch',
  'ldapipsearch', 'execuserlist', 'userquota', 'domain', 'pass', 'rewrite', 'redirect', 'log', 'logfile', 'within',
  'outside', 'continue', 'weekly', 'date',
]);
const IGNORED_SETTINGS = /^(ldapcachetime|ldapprotover|ldapbinddn|ldapbindpass|mysqlusername|mysqlpassword|mysqldb|syslog|groupttl)$/;

class Parser {
  private i = 0;
  readonly errors: ConfigProblem[] = [];
  readonly unsupported: ConfigProblem[] = [];
  readonly notes: ConfigProblem[] = [];
  readonly settings: Record<string, Valued> = {};
  redirect?: Valued;
  readonly sources: SgSource[] = [];
  readonly dests: SgDest[] = [];
  readonly times: SgTime[] = [];
  readonly rewrites: SgRewrite[] = [];
  readonly acls: SgAcl[] = [];
  /** File references to resolve once dbhome is known. */
  readonly files: FileRef[] = [];

  constructor(private readonly tokens: Token[], readonly file: string) {}

  error(line: number, reason: string): void { this.errors.push({ file: this.file, line, reason }); }
  note(line: number, reason: string): void { this.notes.push({ file: this.file, line, reason }); }
  cannot(line: number, reason: string): void { this.unsupported.push({ file: this.file, line, reason }); }

  /**
   * The words after a directive on the same line, stopping before a brace or (inside a block) before the next
   * directive: squidGuard's grammar does not care about line ends, so `dest adult { urllist adult/urls
   * expressionlist adult/expressions }` is two directives.
   */
  private restOfLine(line: number, inBlock = false): Token[] {
    const words: Token[] = [];
    for (;;) {
      const next = this.tokens[this.i];
      if (next === undefined || next.line !== line || isBrace(next) || (inBlock && !next.quoted && BLOCK_KEYWORDS.has(next.text))) break;
      words.push(next);
      this.i++;
    }
    return words;
  }

  private one(word: Token, args: Token[], what: string): string | undefined {
    if (args.length === 1) return args[0].text;
    this.error(word.line, args.length === 0 ? `'${word.text}' needs ${what}` : `'${word.text}' takes one value (${what}); put it in "quotes" if it contains spaces`);
    return undefined;
  }

  private fileRef(word: Token, args: Token[], dflt?: string): FileRef | undefined {
    const given = this.one(word, args, 'a file name');
    if (given === undefined) return undefined;
    const ref = { given: given === '-' && dflt !== undefined ? dflt : given, path: '', line: word.line };
    this.files.push(ref);
    return ref;
  }

  private timeRef(word: Token, args: Token[]): TimeRef | undefined {
    const name = this.one(word, args, 'the name of a time block');
    return name === undefined ? undefined : { name, outside: word.text === 'outside', line: word.line };
  }

  /**
   * Reads `{ directives… }` after a block header; `each` handles one directive. `directives` false: the block holds
   * acl entries (`NAME within TIME {`), whose words run to the brace.
   */
  private block(header: Token, what: string, each: Handler, directives = true): void {
    const open = this.tokens[this.i];
    if (open === undefined || open.quoted || open.text !== '{') {
      this.error(open?.line ?? header.line, `${what} must be followed by '{'`);
      return;
    }
    this.i++;
    let list: ListAppender | null = null;
    for (;;) {
      const word = this.tokens[this.i++];
      if (word === undefined) return this.error(header.line, `${what} is not closed: a '}' is missing`);
      if (isBrace(word)) {
        if (word.text === '}') return;
        this.error(word.line, `unexpected '{' inside ${what}`);
        continue;
      }
      const args = this.restOfLine(word.line, directives);
      const result = each(word, args);
      if (result === UNKNOWN && list !== null) list([word, ...args]); // a list carried on to the next line
      else if (result === UNKNOWN) this.error(word.line, `'${word.text}' is not something squidGuard understands in ${what}`);
      else list = typeof result === 'function' ? result : null;
    }
  }

  parse(): void {
    while (this.i < this.tokens.length) {
      const word = this.tokens[this.i++];
      if (isBrace(word)) { this.error(word.line, `unexpected '${word.text}'`); continue; }
      const args = this.restOfLine(word.line);
      const key = word.text;
      if (key === 'dest' || key === 'destination') this.dest(word, args);
      else if (key === 'src' || key === 'source') this.source(word, args);
      else if (key === 'time') this.time(word, args);
      else if (key === 'rew' || key === 'rewrite') this.rewrite(word, args);
      else if (key === 'acl') this.acl(word, args);
      else if (key === 'dbhome' || key === 'logdir') this.setting(word, key, this.one(word, args, 'a folder'));
      else if (key === 'set') {
        if (args.length !== 2) this.error(word.line, "'set' needs a name and a value, e.g. 'set dbhome /var/lib/squidguard/db'");
        else this.setting(word, args[0].text, args[1].text);
      } else if (key === 'redirect') {
        const value = this.one(word, args, 'the address of the block page');
        if (value !== undefined && this.redirect !== undefined) this.error(word.line, `the global redirect is already set on line ${this.redirect.line}`);
        else if (value !== undefined) this.redirect = { value, line: word.line };
      } else if (IGNORED_SETTINGS.test(key)) this.note(word.line, `'${key}' is not used by Osprey and is ignored`);
      else this.error(word.line, `'${key}' is not a squidGuard setting or block (expected dest, src, time, rewrite, acl, dbhome, logdir, set or redirect)`);
    }
  }

  private setting(word: Token, name: string, value: string | undefined): void {
    if (value === undefined) return;
    const earlier = this.settings[name];
    if (earlier !== undefined) return this.error(word.line, `'${name}' is already set on line ${earlier.line}`);
    this.settings[name] = { value, line: word.line };
    if (name === 'logdir') this.note(word.line, "Osprey keeps its own logs, so 'logdir' is ignored");
    else if (name !== 'dbhome') this.note(word.line, `the setting '${name}' is not used by Osprey and is ignored`);
  }

  private name(word: Token, args: Token[], what: string, taken: Array<{ name: string; line: number }>): string | undefined {
    const name = args[0]?.text;
    if (name === undefined || args.length > 1) {
      this.error(word.line, args.length > 1 ? `'${word.text} ${name}' is followed by '${args[1].text}'; expected '{'` : `${what} needs a name`);
      return name;
    }
    const earlier = taken.find((t) => t.name === name);
    if (earlier !== undefined) this.error(word.line, `${what} '${name}' is already defined on line ${earlier.line}`);
    return name;
  }

  private dest(word: Token, args: Token[]): void {
    const name = this.name(word, args, 'a dest block', this.dests) ?? '?';
    const dest: SgDest = { name, line: word.line };
    this.dests.push(dest);
    if (this.tokens[this.i]?.text !== '{' || this.tokens[this.i].quoted) return; // `dest NAME` alone declares an empty dest
    this.block(word, `dest '${name}'`, (d, a) => {
      const key = d.text;
      if (key === 'domainlist' || key === 'urllist') dest[key] = this.fileRef(d, a, `dest/${name}/${key}`);
      else if (key === 'expressionlist') dest.expressionlist = this.fileRef(d, a[0]?.text === 'i' && a.length === 2 ? a.slice(1) : a, `dest/${name}/expressionlist`);
      else if (key === 'redirect') { const v = this.one(d, a, 'the address of the block page'); if (v !== undefined) dest.redirect = { value: v, line: d.line }; }
      else if (key === 'rewrite') { const v = this.one(d, a, 'the name of a rewrite block'); if (v !== undefined) dest.rewrite = { value: v, line: d.line }; }
      else if (key === 'within' || key === 'outside') dest.time = this.timeRef(d, a);
      else if (key === 'log' || key === 'logfile') this.note(d.line, 'Osprey keeps its own logs, so this log file is ignored');
      else return UNKNOWN;
    });
  }

  private source(word: Token, args: Token[]): void {
    const name = this.name(word, args, 'a src block', this.sources) ?? '?';
    const src: SgSource = { name, line: word.line, ips: [], iplists: [], users: [], userlists: [], domains: [], continue: false };
    this.sources.push(src);
    this.block(word, `src '${name}'`, (d, a) => {
      const key = d.text;
      if (key === 'ip') {
        const add: ListAppender = (more) => {
          for (const text of ipWords(more.map((t) => t.text))) {
            const rule = parseIpRule(text);
            if (typeof rule === 'string') this.error(more[0].line, rule);
            else src.ips.push({ ...rule, line: more[0].line });
          }
        };
        if (a.length === 0) this.error(d.line, "'ip' needs at least one address, range or prefix");
        else add(a);
        return add;
      }
      if (key === 'user' || key === 'domain') {
        const add: ListAppender = (more) => {
          for (const t of more) for (const w of t.text.split(',')) if (w) (key === 'user' ? src.users : src.domains).push(w.toLowerCase());
        };
        add(a);
        return add;
      }
      if (key === 'userlist' || key === 'iplist') { const ref = this.fileRef(d, a); if (ref) src[`${key}s`].push(ref); return; }
      if (key === 'within' || key === 'outside') { src.time = this.timeRef(d, a); return; }
      if (key === 'continue') { src.continue = true; return; }
      if (key === 'log' || key === 'logfile') { this.note(d.line, 'Osprey keeps its own logs, so this log file is ignored'); return; }
      if (key in SOURCE_UNSUPPORTED) { this.cannot(d.line, `src '${name}' uses ${SOURCE_UNSUPPORTED[key]}, which Osprey does not support`); return; }
      return UNKNOWN;
    });
  }

  private time(word: Token, args: Token[]): void {
    const name = this.name(word, args, 'a time block', this.times) ?? '?';
    const time: SgTime = { name, line: word.line, elements: [] };
    this.times.push(time);
    this.block(word, `time '${name}'`, (d, a) => {
      if (d.text !== 'weekly' && d.text !== 'date') return UNKNOWN;
      const parsed = (d.text === 'weekly' ? parseWeekly : parseDate)(a.map((t) => t.text), d.line);
      if (typeof parsed === 'string') this.error(d.line, parsed);
      else time.elements.push(...parsed);
    });
  }

  private rewrite(word: Token, args: Token[]): void {
    const name = this.name(word, args, 'a rewrite block', this.rewrites) ?? '?';
    const rewrite: SgRewrite = { name, line: word.line, rules: [] };
    this.rewrites.push(rewrite);
    this.block(word, `rewrite '${name}'`, (d, a) => {
      if (/^s@/.test(d.text)) rewrite.rules.push({ value: [d, ...a].map((t) => t.text).join(' '), line: d.line });
      else if (d.text === 'within' || d.text === 'outside' || d.text === 'log' || d.text === 'logfile') return;
      else return UNKNOWN;
    });
  }

  private acl(word: Token, args: Token[]): void {
    if (args.length > 0) this.error(word.line, "'acl' is followed by '{' and the acl entries");
    this.block(word, 'the acl block', (entry, a) => {
      if (!isBrace(this.tokens[this.i]) || this.tokens[this.i].text !== '{') {
        this.error(entry.line, `acl entry '${entry.text}' must be followed by '{'`);
        return;
      }
      let time: TimeRef | undefined;
      if (a.length === 2 && (a[0].text === 'within' || a[0].text === 'outside')) time = this.timeRef(a[0], [a[1]]);
      else if (a.length > 0) this.error(entry.line, `after the acl entry '${entry.text}' only 'within TIME' or 'outside TIME' may come before '{'`);
      const first = this.accessBlock(entry, { source: entry.text, line: entry.line, time, isElse: false, never: false });
      if (this.tokens[this.i]?.text === 'else' && !this.tokens[this.i].quoted) {
        const elseWord = this.tokens[this.i++];
        const flipped = first.time && { ...first.time, outside: !first.time.outside, line: elseWord.line };
        if (!first.time) this.note(elseWord.line, `the 'else' of acl '${entry.text}' never applies, because the acl has no 'within' or 'outside' (as in squidGuard)`);
        this.accessBlock(elseWord, { source: entry.text, line: elseWord.line, time: flipped, isElse: true, never: !first.time });
      }
    }, false);
  }

  private accessBlock(header: Token, acl: SgAcl): SgAcl {
    this.acls.push(acl);
    this.block(header, `acl '${acl.source}'`, (d, a) => {
      const key = d.text;
      if (key === 'pass') {
        const add: ListAppender = (more) => {
          let negate = false;
          for (const t of more) {
            for (let w of t.text.split(',')) {
              if (w === '!') { negate = true; continue; }
              if (w === '') continue;
              if (w.startsWith('!')) { negate = true; w = w.slice(1); }
              const kind = w === 'all' || w === 'any' ? 'all' : w === 'none' ? 'none' : w === 'in-addr' ? 'in-addr' : 'dest';
              const allow = kind === 'all' ? true : kind === 'none' ? false : !negate;
              (acl.pass ??= []).push({ kind, name: w, allow, line: t.line });
              negate = false;
            }
          }
        };
        add(a); // an empty 'pass' line leaves the acl without one, as in squidGuard
        return add;
      }
      if (key === 'redirect') { const v = this.one(d, a, 'the address of the block page'); if (v !== undefined) acl.redirect = { value: v, line: d.line }; return; }
      if (key === 'rewrite') { const v = this.one(d, a, "the name of a rewrite block, or 'none'"); if (v !== undefined) acl.rewrite = { value: v, line: d.line }; return; }
      if (key === 'log' || key === 'logfile') { this.note(d.line, 'Osprey keeps its own logs, so this log file is ignored'); return; }
      if (key === 'allow' || key === 'next') { this.cannot(d.line, `'${key}' in acl '${acl.source}' is not supported by Osprey`); return; }
      return UNKNOWN;
    });
    return acl;
  }
}

/** Cross-references squidGuard checks when it loads a file: names used must be defined; a default acl must exist. */
function check(p: Parser): SgAcl | undefined {
  const has = (list: Array<{ name: string }>, name: string) => list.some((x) => x.name === name);
  const timeOk = (ref: TimeRef | undefined) => {
    if (ref !== undefined && !has(p.times, ref.name)) p.error(ref.line, `there is no time block called '${ref.name}'`);
  };
  for (const s of p.sources) {
    timeOk(s.time);
    if (s.ips.length + s.iplists.length + s.users.length + s.userlists.length + s.domains.length === 0) {
      p.note(s.line, `src '${s.name}' has no ip, user or domain lines, so squidGuard (and Osprey) never match it`);
    }
  }
  const usedRewrites = new Set<string>();
  for (const d of p.dests) {
    timeOk(d.time);
    if (d.rewrite !== undefined) {
      if (!has(p.rewrites, d.rewrite.value)) p.error(d.rewrite.line, `there is no rewrite block called '${d.rewrite.value}'`);
      else p.cannot(d.rewrite.line, `dest '${d.name}' uses rewrite '${d.rewrite.value}'; Osprey does not support rewrite rules`);
      usedRewrites.add(d.rewrite.value);
    }
  }
  let defaultAcl: SgAcl | undefined;
  for (const acl of p.acls) {
    if (acl.source === 'default') defaultAcl = acl;
    else if (!has(p.sources, acl.source)) p.error(acl.line, `acl '${acl.source}' names a src that is not defined`);
    if (!acl.isElse) timeOk(acl.time);
    for (const item of acl.pass ?? []) {
      if (item.kind === 'dest' && !has(p.dests, item.name)) p.error(item.line, `'pass ${item.allow ? '' : '!'}${item.name}': there is no dest called '${item.name}'`);
    }
    if (acl.rewrite !== undefined && acl.rewrite.value !== 'none') {
      if (!has(p.rewrites, acl.rewrite.value)) p.error(acl.rewrite.line, `there is no rewrite block called '${acl.rewrite.value}'`);
      else p.cannot(acl.rewrite.line, `acl '${acl.source}' uses rewrite '${acl.rewrite.value}'; Osprey does not support rewrite rules`);
      usedRewrites.add(acl.rewrite.value);
    }
  }
  for (const r of p.rewrites) {
    if (!usedRewrites.has(r.name)) p.note(r.line, `rewrite '${r.name}' is not used by any acl or dest, so it is ignored`);
  }
  const defaults = p.acls.filter((a) => a.source === 'default');
  if (defaults.length > 0 && defaults.some((a) => a.time !== undefined || a.isElse)) {
    p.note(defaults[0].line, "squidGuard uses the last 'default' acl whatever the time, and so does Osprey");
  }
  if (defaultAcl === undefined) p.error(Math.max(1, p.acls.at(-1)?.line ?? 1), "there is no 'default' acl; squidGuard needs one (e.g. 'default { pass none }')");
  return defaultAcl;
}

/** Parses a configuration held in memory. `file` names it in findings; relative paths resolve from its folder. */
export function parseSquidGuardConfig(text: string, file: string): SquidGuardConfig {
  const errors: ConfigProblem[] = [];
  const parser = new Parser(tokenise(text, file, errors), file);
  parser.errors.push(...errors);
  parser.parse();
  const defaultAcl = check(parser);
  if (parser.errors.length > 0 || defaultAcl === undefined) throw new SquidGuardConfigError(parser.errors.sort((a, b) => a.line - b.line));
  const dbhome = parser.settings.dbhome?.value;
  const base = dbhome ?? path.dirname(path.resolve(file));
  for (const ref of parser.files) ref.path = path.isAbsolute(ref.given) ? ref.given : path.join(base, ref.given);
  return {
    file, dbhome: base, dbhomeSet: dbhome !== undefined, settings: parser.settings, redirect: parser.redirect,
    sources: parser.sources, dests: parser.dests, times: parser.times, rewrites: parser.rewrites, acls: parser.acls, defaultAcl,
    unsupported: parser.unsupported, notes: parser.notes,
  };
}

/** Reads and parses a configuration file. */
export async function readSquidGuardConfig(file: string): Promise<SquidGuardConfig> {
  let text: string;
  try {
    text = await readFile(file, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SquidGuardConfigError([{ file, line: 0, reason: code === 'ENOENT' ? 'there is no such file' : `the file cannot be read (${code ?? (e as Error).message})` }]);
  }
  return parseSquidGuardConfig(text, file);
}
