/**
 * The shape of a parsed squidGuard configuration (config.ts parses it) and the findings reported about it.
 */
import type { IpRule } from './ip.ts';
import type { TimeElement } from './time.ts';

export interface ConfigProblem { file: string; line: number; reason: string }

export const formatProblem = (p: ConfigProblem): string => `${p.file}:${p.line}: ${p.reason}`;

export class SquidGuardConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SquidGuardConfigError';
  }
}

/** A file named in the configuration; `path` is resolved against dbhome as squidGuard does. */
export interface FileRef { given: string; path: string; line: number }
export interface Valued { value: string; line: number }
/** `within NAME` (active while the time block is) or `outside NAME` (active while it is not). */
export interface TimeRef { name: string; outside: boolean; line: number }

export interface SgSource {
  name: string;
  line: number;
  ips: Array<IpRule & { line: number }>;
  iplists: FileRef[];
  users: string[];
  userlists: FileRef[];
  /** Client host-name domains (`domain` lines), matched against the client's FQDN. */
  domains: string[];
  time?: TimeRef;
  /** `continue`: when this source's acl passes a request, squidGuard goes on to the next matching source. */
  continue: boolean;
}

export interface SgDest {
  name: string;
  line: number;
  domainlist?: FileRef;
  urllist?: FileRef;
  expressionlist?: FileRef;
  redirect?: Valued;
  rewrite?: Valued;
  time?: TimeRef;
}

export interface SgTime { name: string; line: number; elements: TimeElement[] }
export interface SgRewrite { name: string; line: number; rules: Valued[] }

/** One word of a `pass` line. `all`/`any` always pass and `none` always blocks, with or without '!', as in squidGuard. */
export interface PassItem { kind: 'dest' | 'all' | 'none' | 'in-addr'; name: string; allow: boolean; line: number }

export interface SgAcl {
  /** The src name, or 'default'. */
  source: string;
  line: number;
  time?: TimeRef;
  /** The `else` half of `NAME within T { } else { }`: active exactly when the first half is not. */
  isElse: boolean;
  /** An `else` after an acl with no time: squidGuard never makes it active. */
  never: boolean;
  /** Absent when the acl has no `pass` line (squidGuard then uses the default acl's). */
  pass?: PassItem[];
  redirect?: Valued;
  rewrite?: Valued;
}

export interface SquidGuardConfig {
  file: string;
  dbhome: string;
  /** Whether dbhome was set; when not, relative list paths are read from the configuration file's folder. */
  dbhomeSet: boolean;
  settings: Record<string, Valued>;
  /** The global `redirect` template, used when neither the dest nor the acl nor the default acl has one. */
  redirect?: Valued;
  sources: SgSource[];
  dests: SgDest[];
  times: SgTime[];
  rewrites: SgRewrite[];
  /** Every acl entry in file order, `default` included. */
  acls: SgAcl[];
  /** The acl squidGuard uses as default: the last one called 'default' (its time, if any, is ignored). */
  defaultAcl: SgAcl;
  unsupported: ConfigProblem[];
  notes: ConfigProblem[];
}
