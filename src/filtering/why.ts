/**
 * "Why is this blocked?" (R2.5): for a person, a group or an unidentified device, a web address and a time, the
 * decision the filter makes and the chain of reasons, as the API, the policy page's test box and `osprey why` show it.
 */
import { appendAudit } from '../platform/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { AppError, notFound } from '../platform/errors.ts';
import { isRole } from '../directory/index.ts';
import { decide, explainDecision, splitUrl, type Decision } from './engine/index.ts';
import type { SnapshotCache } from './snapshots.ts';

export interface WhyQuestion {
  url: string;
  /** A person's username: their groups and roles choose the policy. */
  username?: string;
  /** A group id or name, or 'role:<role>'. */
  group?: string;
  /** ISO time; now when left out. */
  at?: string;
}

export interface WhyAnswer extends Decision {
  policy: { id: string; name: string };
  explanation: string[];
  /** Who the question was about, in words. */
  subject: string;
  at: string;
}

/** The groups a person's requests carry: their groups, and their roles written as 'role:<role>'. */
export async function groupIdsOfPerson(ctx: ServiceContext, username: string): Promise<{ ids: string[]; name: string }> {
  const person = await ctx.db.selectFrom('people').select(['id', 'given_name', 'family_name', 'status']).where('school_id', '=', ctx.actor.schoolId)
    .where('username', '=', username.trim().toLowerCase()).executeTakeFirst();
  if (!person) throw notFound(`A person with the username '${username}'`);
  const groups = await ctx.db.selectFrom('group_members').select('group_id').where('person_id', '=', person.id).execute();
  const roles = await ctx.db.selectFrom('person_roles').select('role').where('person_id', '=', person.id).execute();
  return { ids: [...groups.map((g) => g.group_id), ...roles.map((r) => `role:${r.role}`)], name: `${person.given_name} ${person.family_name} (${username.trim().toLowerCase()})` };
}

async function groupIdsOfGroup(ctx: ServiceContext, group: string): Promise<{ ids: string[]; name: string }> {
  if (group.startsWith('role:')) {
    if (!isRole(group.slice(5))) throw new AppError(400, 'unknown_role', `'${group.slice(5)}' is not a role.`);
    return { ids: [group], name: `the role ${group.slice(5)}` };
  }
  const rows = await ctx.db.selectFrom('groups').select(['id', 'name', 'kind']).where('school_id', '=', ctx.actor.schoolId).execute();
  const found = rows.find((g) => g.id === group) ?? rows.find((g) => g.name.toLowerCase() === group.trim().toLowerCase());
  if (!found) throw notFound(`A group called '${group}'`);
  return { ids: [found.id], name: `the group ${found.name}` };
}

export async function why(ctx: ServiceContext, cache: SnapshotCache, q: WhyQuestion): Promise<WhyAnswer> {
  const time = q.at ? new Date(q.at) : ctx.clock.now();
  if (Number.isNaN(time.getTime())) throw new AppError(400, 'invalid_time', `'${q.at}' is not a date and time. Write it like 2026-11-23T10:15:00Z.`);
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(q.url.trim()) ? q.url.trim() : `http://${q.url.trim()}`;
  const parts = splitUrl(url);
  const subject = q.username ? await groupIdsOfPerson(ctx, q.username) : q.group ? await groupIdsOfGroup(ctx, q.group) : { ids: [], name: 'an unidentified device' };
  const snapshot = await cache.get(ctx.actor.schoolId, ctx.clock.now());
  const request = { host: parts?.host ?? q.url.trim(), url, groupIds: subject.ids, time: time.getTime() };
  const decision = decide(snapshot, request);
  const policy = snapshot.policies.find((p) => p.id === decision.policyId);
  if (q.username) await appendAudit(ctx.db, ctx.actor, { action: 'filtering.why', entityType: 'person', details: { username: q.username, url: q.url } }, ctx.clock.now());
  return {
    ...decision, policy: { id: decision.policyId, name: policy?.name ?? decision.policyId },
    explanation: explainDecision(snapshot, request, decision), subject: subject.name, at: time.toISOString(),
  };
}
