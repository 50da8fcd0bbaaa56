/**
 * The sanctions matrix (R5.5): each school's copy of the pupils' and staff tables (incident type × response, with
 * the responses used only on a repeat), and the suggestions shown during triage for each instigator on an incident,
 * escalated when that person has been an instigator before.
 */
import { appendAudit } from '../platform/audit.ts';
import { withTransaction, type ServiceContext } from '../platform/context.ts';
import { badRequest } from '../platform/errors.ts';
import { categoryOf } from './categories.ts';
import { DEFAULT_SANCTIONS, SANCTION_RESPONSES, type Audience, type ResponseUse, type SanctionRow } from './sanctions-defaults.ts';
import { accessTo, viewerOf } from './access.ts';
import { incidentForModule } from './service.ts';
import { currentVersions } from './store.ts';

export interface Matrix { audience: Audience; responses: Array<{ key: string; label: string }>; rows: SanctionRow[]; isDefault: boolean }

export async function getMatrix(ctx: ServiceContext, audience: Audience): Promise<Matrix> {
  const rows = await ctx.db.selectFrom('sanctions_matrix').selectAll().where('school_id', '=', ctx.actor.schoolId).where('audience', '=', audience).orderBy('position').execute();
  if (rows.length === 0) return { audience, responses: [...SANCTION_RESPONSES[audience]], rows: DEFAULT_SANCTIONS[audience].map((r) => ({ ...r, responses: { ...r.responses } })), isDefault: true };
  return {
    audience, responses: [...SANCTION_RESPONSES[audience]], isDefault: false,
    rows: rows.map((r) => ({ key: r.type_key, label: r.label, responses: (typeof r.responses === 'string' ? JSON.parse(r.responses) : r.responses) as Record<string, ResponseUse> })),
  };
}

/** Replaces the school's table for pupils or staff (sanctions.manage); `reset` puts Osprey's defaults back. */
export async function setMatrix(ctx: ServiceContext, audience: Audience, input: { rows: SanctionRow[] } | { reset: true }): Promise<Matrix> {
  const rows = 'reset' in input ? DEFAULT_SANCTIONS[audience].map((r) => ({ ...r })) : input.rows;
  const known = new Set(SANCTION_RESPONSES[audience].map((r) => r.key));
  const keys = new Set<string>();
  if (rows.length === 0) throw badRequest('The table needs at least one kind of incident.');
  for (const [i, r] of rows.entries()) {
    const label = r.label?.trim();
    if (!label) throw badRequest(`Row ${i + 1} has no description. Say what kind of incident it is.`);
    const key = (r.key?.trim() || label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')).slice(0, 60);
    if (keys.has(key)) throw badRequest(`"${label}" is in the table twice. Each kind of incident appears once.`);
    keys.add(key);
    for (const [resp, use] of Object.entries(r.responses ?? {})) {
      if (!known.has(resp)) throw badRequest(`"${resp}" is not a response in the ${audience} table. Use one of: ${[...known].join(', ')}.`);
      if (use !== 'always' && use !== 'repeat') throw badRequest(`In "${label}", each response is either "always" or "repeat" (only when it happens again).`);
    }
    r.key = key;
    r.label = label;
  }
  const now = ctx.clock.now();
  const before = await getMatrix(ctx, audience);
  await withTransaction(ctx, async ({ db: tx }) => {
    await tx.deleteFrom('sanctions_matrix').where('school_id', '=', ctx.actor.schoolId).where('audience', '=', audience).execute();
    await tx.insertInto('sanctions_matrix').values(rows.map((r, position) => ({
      school_id: ctx.actor.schoolId, audience, type_key: r.key, label: r.label, position, responses: JSON.stringify(r.responses ?? {}), updated_at: now, updated_by: ctx.actor.label,
    }))).execute();
    await appendAudit(tx, ctx.actor, { action: 'sanctions.changed', entityType: 'sanctions_matrix', entityId: audience, details: { reset: 'reset' in input, before: before.rows, after: rows } }, now);
  });
  return getMatrix(ctx, audience);
}

export interface Suggestion {
  personId: string; name: string; audience: Audience; typeKey: string | null; typeLabel: string | null;
  earlierIncidents: Array<{ reference: string; occurredAt: string }>; repeat: boolean;
  responses: Array<{ key: string; label: string; escalated: boolean }>;
}

/**
 * For each pupil or member of staff who instigated this incident: the responses the school's matrix suggests for
 * its type (chosen in triage, or the category's usual row), with the repeat-only responses added — and marked — when
 * they instigated an earlier incident.
 */
export async function suggestSanctions(ctx: ServiceContext, incidentId: string): Promise<Suggestion[]> {
  const { current } = await incidentForModule(ctx, incidentId, { action: 'view' });
  const category = categoryOf(current.category);
  const viewer = await viewerOf(ctx);
  const out: Suggestion[] = [];
  const matrices: Partial<Record<Audience, Matrix>> = {};
  for (const p of current.people) {
    if (p.part !== 'instigator' || !p.personId || (p.kind !== 'pupil' && p.kind !== 'staff')) continue;
    const audience: Audience = p.kind;
    const matrix = matrices[audience] ??= await getMatrix(ctx, audience);
    const wanted = current.sanctionType && matrix.rows.some((r) => r.key === current.sanctionType) ? current.sanctionType : audience === 'pupil' ? category?.pupilSanction : category?.staffSanction;
    const row = matrix.rows.find((r) => r.key === wanted) ?? null;
    // Earlier incidents (by when they happened) in which the same person was an instigator.
    const earlier = (await currentVersions(ctx.db, ctx.actor.schoolId, { personId: p.personId }))
      .filter(({ incident, current: v }) => incident.id !== incidentId && v.occurredAt < current.occurredAt && v.people.some((x) => x.personId === p.personId && x.part === 'instigator'));
    const repeat = earlier.length > 0;
    const responses = row ? matrix.responses
      .filter((r) => row.responses[r.key] === 'always' || (repeat && row.responses[r.key] === 'repeat'))
      .map((r) => ({ key: r.key, label: r.label, escalated: row.responses[r.key] === 'repeat' })) : [];
    out.push({
      personId: p.personId, name: p.name, audience, typeKey: row?.key ?? null, typeLabel: row?.label ?? null, repeat, responses,
      // An earlier restricted incident this viewer may not see counts, but is not named.
      earlierIncidents: earlier.map(({ incident, current: v }) => ({ reference: accessTo(viewer, incident, v) === 'full' ? incident.reference : 'an earlier restricted incident', occurredAt: v.occurredAt.toISOString() })),
    });
  }
  // Reading the suggestions reads the incident (who instigated it, their earlier incidents): audited like any read.
  await appendAudit(ctx.db, ctx.actor, { action: 'incident.sanctions_viewed', entityType: 'incident', entityId: incidentId, details: { people: out.length } }, ctx.clock.now());
  return out;
}
