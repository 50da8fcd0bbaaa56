/**
 * The in-memory identity tables a front-end consults on every request (R2.10): web log-on sessions (address →
 * person), static address ranges and devices (address → groups), and people already proven by proxy
 * authentication (username → groups). Pure data and lookups, no I/O: the IdentityService fills it from the database
 * in the main thread, and worker threads hold copies posted to them (plain data, structured-cloned), kept current by
 * small change messages.
 *
 * Precedence, first match wins: proxy-authenticated person → web log-on session for the address → the most specific
 * address range or device → unidentified (the unidentified policy, or a log-on/authentication demand, per settings).
 */
import type { ClientIdentity } from './types.ts';
import { addressBytes, parseRange, plainAddress, rangeContains, type AddressRange } from '../../platform/addresses.ts';

/** What happens to a request Osprey cannot put a person or group to. */
export type UnidentifiedMode = 'fallback' | 'logon' | 'proxy-auth';

export interface IdentitySettings {
  /** 'fallback': the unidentified policy; 'logon': redirect plain-HTTP requests to the web log-on page; 'proxy-auth': 407. */
  unidentified: UnidentifiedMode;
  /** How long a web log-on binds a device's address to the person. */
  logonMinutes: number;
}

export const DEFAULT_SETTINGS: IdentitySettings = { unidentified: 'fallback', logonMinutes: 480 };

export interface RangeEntry {
  id: string;
  schoolId: string;
  /** As parseRange normalised it. */
  cidr: string;
  /** 'Library PCs', or a device's name ('LIB-PC-03'). */
  name: string;
  /** A device is one address with a name; its name becomes the activity log's device id. */
  kind: 'range' | 'device';
  groupIds: string[];
}

export interface SessionEntry {
  ip: string;
  identity: ClientIdentity;
  /** Milliseconds since the epoch; the IdentityService removes expired sessions (with its clock). */
  expiresAt: number;
}

export interface PersonIdentity { schoolId: string; personId: string; username: string; groupIds: string[] }

export interface IdentityTableData {
  /** The school of unidentified devices (one school per installation for now). */
  schoolId: string;
  settings: IdentitySettings;
  ranges: RangeEntry[];
  sessions: SessionEntry[];
  /** People held back until they sign their Acceptable Use Agreement (R6.4); absent: nobody. */
  agreements?: AgreementGateData;
}

/** Published by the agreements module (src/agreements/gate.ts): who must sign, and where. */
export interface AgreementGateData { mustSign: string[]; signPath: string }

export type IdentityChange =
  | { kind: 'table'; data: IdentityTableData }
  | { kind: 'session'; ip: string; session: SessionEntry | null }
  | { kind: 'agreements'; gate: AgreementGateData };

interface CompiledRange { range: AddressRange; identity: ClientIdentity }

const CACHE_LIMIT = 20_000;

export class IdentityTable {
  private data: IdentityTableData;
  private ranges: CompiledRange[] = [];
  private sessions = new Map<string, SessionEntry>();
  private people = new Map<string, PersonIdentity>();
  private mustSign = new Set<string>();
  private unidentified!: ClientIdentity;
  /** Address → range or unidentified answer; most requests come from a few thousand addresses. */
  private byAddress = new Map<string, ClientIdentity>();

  constructor(data: IdentityTableData) {
    this.data = data;
    this.load(data);
  }

  get settings(): IdentitySettings { return this.data.settings; }
  get schoolId(): string { return this.data.schoolId; }

  /** A copy to post to a worker thread. */
  toData(): IdentityTableData {
    return { ...this.data, sessions: [...this.sessions.values()] };
  }

  apply(change: IdentityChange): void {
    if (change.kind === 'table') return this.load(change.data);
    if (change.kind === 'agreements') {
      this.data = { ...this.data, agreements: change.gate };
      this.mustSign = new Set(change.gate.mustSign);
      return;
    }
    if (change.session) this.sessions.set(change.ip, change.session);
    else this.sessions.delete(change.ip);
  }

  /** Remembers a person proven by proxy authentication, so `identify(ip, { username })` can answer in memory. */
  rememberPerson(person: PersonIdentity): void {
    this.people.set(person.username, person);
  }

  identify(ip: string, hints?: { username?: string }): ClientIdentity {
    if (hints?.username) {
      const person = this.people.get(hints.username.toLowerCase());
      if (person) return { ...person, source: 'proxy-auth' };
    }
    const address = plainAddress(ip);
    const session = this.sessions.get(address);
    if (session) return session.identity;
    let known = this.byAddress.get(address);
    if (known === undefined) {
      known = this.lookUpRange(address);
      if (this.byAddress.size >= CACHE_LIMIT) this.byAddress.clear();
      this.byAddress.set(address, known);
    }
    return known;
  }

  /** True when the person must sign their Acceptable Use Agreement before browsing (R6.4). */
  agreementRequired(personId: string | undefined): boolean {
    return personId !== undefined && this.mustSign.has(personId);
  }

  get signPath(): string { return this.data.agreements?.signPath ?? '/agreements/sign'; }

  /** True when the address has a log-on session (the log-on page shows "log off" then). */
  sessionOf(ip: string): SessionEntry | undefined {
    return this.sessions.get(plainAddress(ip));
  }

  private lookUpRange(address: string): ClientIdentity {
    const bytes = addressBytes(address);
    if (bytes) for (const r of this.ranges) if (rangeContains(r.range, bytes)) return r.identity;
    return this.unidentified;
  }

  private load(data: IdentityTableData): void {
    this.data = data;
    this.unidentified = Object.freeze({ schoolId: data.schoolId, groupIds: [], source: 'unidentified' }) as ClientIdentity;
    const compiled: CompiledRange[] = [];
    for (const entry of data.ranges) {
      const range = parseRange(entry.cidr);
      if (typeof range === 'string') continue;
      const identity: ClientIdentity = {
        schoolId: entry.schoolId, groupIds: [...entry.groupIds], source: 'ip-range',
        ...(entry.kind === 'device' ? { deviceId: entry.name } : {}),
      };
      compiled.push({ range, identity: Object.freeze(identity) });
    }
    // most specific first, so a device inside a range is found before the range
    this.ranges = compiled.sort((a, b) => b.range.prefix - a.range.prefix);
    this.sessions = new Map(data.sessions.map((s) => [plainAddress(s.ip), s]));
    this.mustSign = new Set(data.agreements?.mustSign ?? []);
    this.byAddress.clear();
  }
}
