/**
 * IdentityService (R2.10): who is behind a client address, answered from memory (the decision path never awaits
 * the database). It loads the school's ranges, devices, web log-on sessions and settings into an IdentityTable,
 * keeps it current as the routes change them, and tells subscribers (the proxy, which forwards each change to its
 * worker threads) about every change. `reload()` reloads everything — call it when the directory changes (people's
 * groups and roles are read at log-on, and again at each reload, for the sessions in force).
 *
 * One instance per installation: the composition root (src/app/http.ts sharedServices) builds it and hands the same instance to the routes and to `serve`.
 */
import { appendAudit, type AuditActor } from '../../platform/audit.ts';
import { withTransaction, type AppDeps, type ServiceContext } from '../../platform/context.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { defaultSchool } from '../../platform/setup.ts';
import { plainAddress, parseRange } from '../../platform/addresses.ts';
import { CredentialChecker, type CredentialResult } from './credentials.ts';
import * as store from './store.ts';
import { IdentityTable, type IdentityChange, type IdentitySettings, type IdentityTableData, type RangeEntry, type SessionEntry } from './table.ts';
import type { ClientIdentity } from './types.ts';
import { isRole } from '../../directory/index.ts';
import { agreementGateFor } from '../../agreements/index.ts';

export interface RangeInput { cidr: string; name: string; kind: 'range' | 'device'; groupIds: string[]; note?: string }

/** What a front-end needs from identity; IdentityService is the real one, `staticIdentity` a fixed one for tests. */
export interface IdentitySource {
  /** The current tables, as plain data (posted to worker threads). */
  tableData(): IdentityTableData;
  /** Every later change; returns an unsubscribe function. */
  subscribe(listener: (change: IdentityChange) => void): () => void;
  checkProxyCredentials(header: string, ip: string): Promise<CredentialResult>;
}

const SWEEP_MS = 30_000;

export class IdentityService implements IdentitySource {
  private table: IdentityTable | undefined;
  private loading: Promise<void> | undefined;
  private readonly listeners = new Set<(change: IdentityChange) => void>();
  private readonly checker: CredentialChecker;
  private sweeper: NodeJS.Timeout | undefined;
  /** People who existed at the last agreements refresh (a proxy-authenticated joiner triggers another). */
  private knownToGate = new Set<string>();

  constructor(private readonly deps: Pick<AppDeps, 'db' | 'clock' | 'config'>) {
    this.checker = new CredentialChecker(deps.db, deps.clock, deps.config);
  }

  /** Loads the tables once (again after `reload`). Front-ends call it before serving. */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((e: unknown) => { this.loading = undefined; throw e; });
    return this.loading;
  }

  async reload(): Promise<void> {
    this.loading = undefined;
    this.checker.forget();
    await this.ready();
  }

  /** Removes expired web log-on sessions every 30 s (with the service's clock), until `close()`. */
  startSweeping(): void {
    this.sweeper ??= setInterval(() => { this.sweep().catch(() => undefined); }, SWEEP_MS);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** FilterView.identify: in memory; before `ready()` has finished, nobody is identified. */
  identify(ip: string, hints?: { username?: string }): ClientIdentity {
    return this.table ? this.table.identify(ip, hints) : { schoolId: '', groupIds: [], source: 'unidentified' };
  }

  tableData(): IdentityTableData {
    if (!this.table) throw new Error('IdentityService used before ready()');
    return this.table.toData();
  }

  get settings(): IdentitySettings { return this.table?.settings ?? { unidentified: 'fallback', logonMinutes: 480 }; }

  subscribe(listener: (change: IdentityChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async checkProxyCredentials(header: string, ip: string): Promise<CredentialResult> {
    const result = await this.checker.checkHeader(header, plainAddress(ip));
    if (result.ok) {
      this.table?.rememberPerson(result.person);
      if (!this.knownToGate.has(result.person.personId)) await this.refreshAgreements().catch(() => undefined);
    }
    return result;
  }

  /** The web log-on page: checks the password and binds the device's address to the person. */
  async logOnDevice(req: { username: string; password: string; ip: string; userAgent?: string }): Promise<CredentialResult & { expiresAt?: Date }> {
    await this.ready();
    const ip = plainAddress(req.ip);
    const result = await this.checker.checkPassword(req.username, req.password, ip);
    if (!result.ok) return result;
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + this.settings.logonMinutes * 60_000);
    const { person } = result;
    await this.deps.db.transaction().execute(async (tx) => {
      await store.upsertSession(tx, person.schoolId, { ip, personId: person.personId, expiresAt, userAgent: req.userAgent }, now);
      await appendAudit(tx, { id: person.personId, label: person.username, ip, schoolId: person.schoolId },
        { action: 'identity.web_logon', entityType: 'person', entityId: person.personId, details: { until: expiresAt.toISOString() } }, now);
    });
    // a joiner created since the last refresh must sign before browsing (everyone else is in the gate already)
    if (!this.knownToGate.has(person.personId)) await this.refreshAgreements().catch(() => undefined);
    this.setSession(ip, { ip, expiresAt: expiresAt.getTime(), identity: { ...person, source: 'web-logon' } });
    return { ...result, expiresAt };
  }

  /** Ends the log-on session of an address (the person logging off, or staff ending it). */
  async logOffDevice(ip: string, actor?: AuditActor): Promise<boolean> {
    await this.ready();
    const address = plainAddress(ip);
    const schoolId = this.table!.schoolId;
    const personId = await store.deleteSession(this.deps.db, schoolId, address);
    if (!personId) return false;
    await appendAudit(this.deps.db, actor ?? { id: personId, label: 'web log-on', ip: address, schoolId },
      { action: 'identity.web_logoff', entityType: 'person', entityId: personId, details: { ip: address } }, this.deps.clock.now());
    this.setSession(address, null);
    return true;
  }

  sessionOf(ip: string): SessionEntry | undefined {
    return this.table?.sessionOf(ip);
  }

  /** True when the person must sign an Acceptable Use Agreement before browsing (the sign page, the log-on page). */
  agreementRequired(personId: string): boolean {
    return this.table?.agreementRequired(personId) ?? false;
  }

  /**
   * Works out again who must sign an Acceptable Use Agreement (R6.4) and tells the front-ends when it changed: after
   * a signature (in force at the next request), at each log-on, and every sweep (grace periods end, school years
   * start, people join).
   */
  async refreshAgreements(): Promise<void> {
    if (!this.table) return;
    const schoolId = this.table.schoolId;
    if (!schoolId) return;
    const gate = await agreementGateFor(this.deps.db, schoolId, this.deps.clock.now());
    this.knownToGate = new Set(await store.activePersonIds(this.deps.db, schoolId));
    const before = this.table.toData().agreements;
    if (before && before.signPath === gate.signPath && before.mustSign.join() === gate.mustSign.join()) return;
    const change: IdentityChange = { kind: 'agreements', gate };
    this.table.apply(change);
    this.notify(change);
  }

  async listSessions(ctx: ServiceContext) {
    const rows = await store.activeSessions(ctx.db, ctx.actor.schoolId, ctx.clock.now());
    return rows.map((r) => ({ ip: r.ip, personId: r.personId, username: r.username, startedAt: r.startedAt.toISOString(), expiresAt: r.expiresAt.toISOString() }));
  }

  async listRanges(ctx: ServiceContext) {
    return store.listRanges(ctx.db, ctx.actor.schoolId);
  }

  async createRange(ctx: ServiceContext, input: RangeInput) {
    const entry = await this.validRange(ctx, randomId(), input);
    const now = ctx.clock.now();
    await withTransaction(ctx, async ({ db: tx }) => {
      await store.insertRange(tx, entry, now);
      await appendAudit(tx, ctx.actor, { action: 'identity.range_created', entityType: 'ip_range', entityId: entry.id, details: { cidr: entry.cidr, name: entry.name, groupIds: entry.groupIds } }, now);
    });
    await this.reload();
    return entry;
  }

  async updateRange(ctx: ServiceContext, id: string, input: RangeInput) {
    const before = await store.getRange(ctx.db, ctx.actor.schoolId, id);
    if (!before) throw notFound('That address range');
    const entry = await this.validRange(ctx, id, input);
    const now = ctx.clock.now();
    await withTransaction(ctx, async ({ db: tx }) => {
      await store.updateRange(tx, entry, now);
      await appendAudit(tx, ctx.actor, { action: 'identity.range_updated', entityType: 'ip_range', entityId: id, details: { before, after: entry } }, now);
    });
    await this.reload();
    return entry;
  }

  async deleteRange(ctx: ServiceContext, id: string): Promise<void> {
    const before = await store.getRange(ctx.db, ctx.actor.schoolId, id);
    if (!before || !(await store.deleteRange(ctx.db, ctx.actor.schoolId, id))) throw notFound('That address range');
    await appendAudit(ctx.db, ctx.actor, { action: 'identity.range_deleted', entityType: 'ip_range', entityId: id, details: { before } }, ctx.clock.now());
    await this.reload();
  }

  async getSettings(ctx: ServiceContext): Promise<IdentitySettings> {
    return store.loadSettings(ctx.db, ctx.actor.schoolId);
  }

  async updateSettings(ctx: ServiceContext, settings: IdentitySettings): Promise<IdentitySettings> {
    const before = await store.loadSettings(ctx.db, ctx.actor.schoolId);
    const now = ctx.clock.now();
    await withTransaction(ctx, async ({ db: tx }) => {
      await store.saveSettings(tx, ctx.actor.schoolId, settings, now);
      await appendAudit(tx, ctx.actor, { action: 'identity.settings_updated', entityType: 'identity_settings', entityId: ctx.actor.schoolId, details: { before, after: settings } }, now);
    });
    await this.reload();
    return settings;
  }

  private async validRange(ctx: ServiceContext, id: string, input: RangeInput): Promise<RangeEntry & { note: string }> {
    const range = parseRange(input.cidr);
    if (typeof range === 'string') throw badRequest(range);
    if (input.kind === 'device' && range.prefix !== range.bytes.length * 8) {
      throw badRequest(`A device has one address, but '${input.cidr}' is a range. Give the device's own address, e.g. 10.0.5.23.`);
    }
    const name = input.name.trim();
    if (!name) throw badRequest('Give the range or device a name people will recognise, such as "Library PCs".');
    if (await store.cidrTaken(ctx.db, ctx.actor.schoolId, range.cidr, id)) throw conflict(`${range.cidr} is already listed. Change that entry instead.`);
    const roles = input.groupIds.filter((g) => g.startsWith('role:'));
    const badRole = roles.find((r) => !isRole(r.slice(5)));
    if (badRole) throw badRequest(`'${badRole.slice(5)}' is not a role.`);
    const groups = input.groupIds.filter((g) => !g.startsWith('role:'));
    const found = await store.existingGroupIds(ctx.db, ctx.actor.schoolId, groups);
    const missing = groups.filter((g) => !found.has(g));
    if (missing.length) throw new AppError(400, 'unknown_group', `${missing.length} of the groups chosen do not exist. Reload the page and choose again.`, { missing });
    return { id, schoolId: ctx.actor.schoolId, cidr: range.cidr, name, kind: input.kind, groupIds: [...new Set(input.groupIds)], note: input.note?.trim() ?? '' };
  }

  private async load(): Promise<void> {
    const { db, clock } = this.deps;
    const school = await defaultSchool(db);
    const schoolId = school?.id ?? '';
    const now = clock.now();
    const [settings, ranges, sessions] = school
      ? await Promise.all([store.loadSettings(db, schoolId), store.listRanges(db, schoolId), store.activeSessions(db, schoolId, now)])
      : [undefined, [], []];
    const groups = await store.groupIdsOfPeople(db, sessions.map((s) => s.personId));
    const agreements = school ? await agreementGateFor(db, schoolId, now) : undefined;
    if (school) this.knownToGate = new Set(await store.activePersonIds(db, schoolId));
    const data: IdentityTableData = {
      schoolId, settings: settings ?? { unidentified: 'fallback', logonMinutes: 480 },
      ranges: ranges.map(({ note: _note, ...r }) => r),
      ...(agreements ? { agreements } : {}),
      sessions: sessions.map((s) => ({
        ip: s.ip, expiresAt: s.expiresAt.getTime(),
        identity: { schoolId, personId: s.personId, username: s.username, groupIds: groups.get(s.personId) ?? [], source: 'web-logon' },
      })),
    };
    if (this.table) this.table.apply({ kind: 'table', data });
    else this.table = new IdentityTable(data);
    this.notify({ kind: 'table', data });
    if (!school) this.loading = undefined; // try again once set-up has created the school
  }

  private async sweep(): Promise<void> {
    if (!this.table) return;
    const now = this.deps.clock.now();
    await store.deleteExpiredSessions(this.deps.db, now);
    for (const s of this.table.toData().sessions) if (s.expiresAt <= now.getTime()) this.setSession(s.ip, null);
    await this.refreshAgreements();
  }

  private setSession(ip: string, session: SessionEntry | null): void {
    const change: IdentityChange = { kind: 'session', ip, session };
    this.table?.apply(change);
    this.notify(change);
  }

  private notify(change: IdentityChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

const randomId = () => crypto.randomUUID();

/** A fixed identity source (tests, benchmarks): given ranges and sessions, no accounts. */
export function staticIdentity(data: IdentityTableData): IdentitySource & { identify: IdentityTable['identify']; update(change: IdentityChange): void } {
  const table = new IdentityTable(data);
  const listeners = new Set<(change: IdentityChange) => void>();
  return {
    tableData: () => table.toData(),
    subscribe: (l) => { listeners.add(l); return () => listeners.delete(l); },
    checkProxyCredentials: async () => ({ ok: false, reason: 'wrong' }),
    identify: (ip, hints) => table.identify(ip, hints),
    update(change) { table.apply(change); for (const l of listeners) l(change); },
  };
}
