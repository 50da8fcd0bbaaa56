/**
 * Reading activity (R4.1): search with filters, a page at a time, and CSV export. Every read is audited with who
 * asked and what they asked for, before anything is shown (R10.3: the log of who looked is what protects pupils
 * from staff curiosity). People, groups and policies are read through their modules' own store functions.
 */
import { getDomain } from 'tldts';
import { findPersonByUsername, getGroup, getPerson, searchPeople, type PersonRow } from '../directory/index.ts';
import { categoryById } from '../filtering/index.ts';
import { listPolicies } from '../filtering/index.ts';
import { appendAudit } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { badRequest, notFound } from '../platform/errors.ts';
import { normaliseHost, normaliseIp } from './encode.ts';
import { isUuid } from './ids.ts';
import { allActivity, findActivity, type ActivityCursor, type ActivityFilters, type ActivityRow } from './store.ts';

/** The `action` filter's value for requests made after Continue on a warning page (action 'warn', acknowledged). */
export const WARNED_AND_CONTINUED = 'warn-continued';

/** The filters as the API takes them (query-string values). */
export interface ActivityQuery {
  person?: string;
  group?: string;
  device?: string;
  ip?: string;
  from?: string;
  to?: string;
  category?: string;
  action?: string;
  host?: string;
}

export interface ActivityView {
  id: string;
  time: string;
  person: { id: string; name: string; username: string; yearGroup: string | null } | null;
  username: string | null;
  deviceId: string | null;
  ip: string | null;
  host: string;
  url: string | null;
  searchTerm: string | null;
  category: { id: string; name: string } | null;
  action: string;
  reason: string;
  policy: { id: string; name: string | null };
  ruleId: string | null;
  sourceId: string | null;
  circumvention: boolean;
  /** The person chose Continue on a warning page and went on to this request (R2.4). */
  acknowledged: boolean;
  frontEnd: string;
  node: string;
  /** How many requests the row stands for (repeated blocks folded into one row: migrations/0016), and the last one's time. */
  count: number;
  lastTime: string | null;
}

/** Turns the query into filters: a username into a person, a group into its members, a pasted URL into its host. */
export async function resolveFilters(ctx: ServiceContext, q: ActivityQuery): Promise<{ filters: ActivityFilters; personId: string | null; person: PersonRow | null }> {
  const f: ActivityFilters = {};
  let personId: string | null = null;
  let personRow: PersonRow | null = null;
  const person = q.person?.trim();
  if (person) {
    const found = isUuid(person) ? await getPerson(ctx.db, ctx.actor.schoolId, person) : await findPersonByUsername(ctx.db, person);
    if (found && found.schoolId === ctx.actor.schoolId) {
      personId = found.id;
      personRow = found;
      f.personIds = [found.id];
    } else if (isUuid(person)) {
      throw notFound('That person');
    } else {
      f.username = (person as string).toLowerCase();
    }
  }
  if (q.group) {
    if (!(await getGroup(ctx.db, ctx.actor.schoolId, q.group))) throw notFound('That group');
    const members = (await searchPeople(ctx.db, ctx.actor.schoolId, { groupId: q.group, status: 'all', limit: 100_000, offset: 0 })).people.map((p) => p.id);
    // Both a person and a group: the person, if they are in the group.
    f.personIds = f.personIds ? f.personIds.filter((id) => members.includes(id)) : members;
  }
  if (q.device?.trim()) f.deviceId = q.device.trim();
  if (q.ip?.trim()) {
    const [address, bits, ...rest] = q.ip.trim().split('/');
    const ip = normaliseIp(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = ip?.includes(':') ? 128 : 32;
    if (!ip || rest.length || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max && /^\d+$/.test(bits)))) {
      throw badRequest(`'${q.ip}' is not an IP address or network. Use an address such as 10.0.3.45, or a network such as 10.0.3.0/24.`);
    }
    f.ip = prefix === undefined ? ip : `${ip}/${prefix}`;
  }
  f.from = parseTime(q.from, 'from');
  f.to = parseTime(q.to, 'to');
  if (f.from && f.to && f.from >= f.to) throw badRequest('The start of the time range must be before its end.');
  if (q.category !== undefined && q.category !== '') f.categoryId = q.category === 'none' ? '' : q.category;
  // 'warn-continued': warned, and went on after choosing Continue
  if (q.action === WARNED_AND_CONTINUED) {
    f.action = 'warn';
    f.acknowledged = true;
  } else if (q.action) {
    f.action = q.action;
  }
  if (q.host?.trim()) {
    let text = q.host.trim();
    // People paste whole addresses; the host is what is recorded for every front-end.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
      try { text = new URL(text).hostname; } catch { /* used as typed */ }
    }
    const host = normaliseHost(text.replace(/^\*?\./, '').replace(/^\[|\]$/g, ''));
    if (!host) throw badRequest('Enter a site, such as bbc.co.uk.');
    f.host = { host, domain: getDomain(host, { extractHostname: false }) || null };
  }
  return { filters: f, personId, person: personRow };
}

function parseTime(value: string | undefined, name: string): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw badRequest(`'${value}' is not a date and time for '${name}'. Use the ISO form, for example 2026-11-16T09:00:00Z.`);
  return d;
}

export function encodeCursor(row: { time: Date; id: string }): string {
  return `${row.time.getTime()}_${row.id}`;
}

function decodeCursor(text: string | undefined): ActivityCursor | undefined {
  if (!text) return undefined;
  const m = /^(\d{1,15})_([0-9a-f-]{36})$/i.exec(text);
  if (!m || !isUuid(m[2])) throw badRequest('The page marker is not valid. Start again from the first page.');
  return { time: new Date(Number(m[1])), id: m[2].toLowerCase() };
}

function personView(p: PersonRow): NonNullable<ActivityView['person']> {
  return { id: p.id, name: `${p.givenName} ${p.familyName}`, username: p.username, yearGroup: p.yearGroup };
}

/** Names for the rows' people and policies: one lookup per person on a page, or the whole directory for an export. */
export class Names {
  private readonly people = new Map<string, PersonRow | null>();
  private policies: Map<string, string> | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  async preloadEveryone(): Promise<void> {
    const all = await searchPeople(this.ctx.db, this.ctx.actor.schoolId, { status: 'all', limit: 1_000_000, offset: 0 });
    for (const p of all.people) this.people.set(p.id, p);
  }

  async load(rows: ActivityRow[]): Promise<void> {
    this.policies ??= new Map((await listPolicies(this.ctx.db, this.ctx.actor.schoolId)).map((p) => [p.id, p.name]));
    for (const id of new Set(rows.map((r) => r.person_id))) {
      if (id && !this.people.has(id)) this.people.set(id, (await getPerson(this.ctx.db, this.ctx.actor.schoolId, id)) ?? null);
    }
  }

  view(r: ActivityRow): ActivityView {
    const p = r.person_id ? this.people.get(r.person_id) : null;
    const category = r.category_id ? { id: r.category_id, name: categoryById(r.category_id)?.name ?? r.category_id } : null;
    return {
      id: r.id, time: r.time.toISOString(),
      person: p ? personView(p) : null,
      username: r.username, deviceId: r.device_id, ip: r.ip, host: r.host, url: r.url, searchTerm: r.search_term, category,
      action: r.action, reason: r.reason, policy: { id: r.policy_id, name: this.policies?.get(r.policy_id) ?? null },
      ruleId: r.rule_id, sourceId: r.source_id, circumvention: r.circumvention, acknowledged: r.acknowledged, frontEnd: r.front_end, node: r.node,
      count: r.count, lastTime: r.last_at ? r.last_at.toISOString() : null,
    };
  }
}

/** What the audit entry records: the filters as asked, without empty ones. */
function auditDetails(q: ActivityQuery, extra: Record<string, unknown>): Record<string, unknown> {
  const filters = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== ''));
  return { filters, ...extra };
}

export async function searchActivity(ctx: ServiceContext, q: ActivityQuery & { limit: number; before?: string }) {
  const { filters, personId, person } = await resolveFilters(ctx, q);
  const rows = await findActivity(ctx.db, ctx.actor.schoolId, filters, { limit: q.limit, before: decodeCursor(q.before) });
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const names = new Names(ctx);
  await names.load(page);
  const { limit: _limit, before: _before, ...asked } = q;
  await appendAudit(ctx.db, ctx.actor, {
    action: 'activity.searched', entityType: personId ? 'person' : 'activity', entityId: personId,
    details: auditDetails(asked, { page: q.before ? 'later' : 'first', shown: page.length }),
  }, ctx.clock.now());
  return {
    events: page.map((r) => names.view(r)), next: more ? encodeCursor(page[page.length - 1]) : null,
    // The person asked about, so that a timeline can be headed with their name even on a day with no activity.
    person: person ? personView(person) : null,
  };
}

/** Starts an export: resolves and audits, then hands back the pages to write (see csv.ts). */
export async function exportActivity(ctx: ServiceContext, q: ActivityQuery): Promise<{ names: Names; pages: AsyncGenerator<ActivityRow[]> }> {
  const { filters, personId } = await resolveFilters(ctx, q);
  await appendAudit(ctx.db, ctx.actor, {
    action: 'activity.exported', entityType: personId ? 'person' : 'activity', entityId: personId, details: auditDetails(q, { format: 'csv' }),
  }, ctx.clock.now());
  const names = new Names(ctx);
  await names.preloadEveryone();
  return { names, pages: allActivity(ctx.db, ctx.actor.schoolId, filters) };
}
