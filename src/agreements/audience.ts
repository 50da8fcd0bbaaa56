/**
 * Who an agreement is for (R6.2): roles, groups and key stages. Within each kind any one entry matches; every kind
 * that is given must match (KS1 pupils = role pupil and key stage KS1). An empty audience is nobody.
 */
import { keyStageOf, YEAR_GROUPS, type YearGroup } from '../directory/index.ts';

export interface Audience {
  roles: string[];
  groupIds: string[];
  /** 'EYFS', 'KS1' … 'KS5': from the pupil's year group. */
  keyStages: string[];
}

export const KEY_STAGES = ['EYFS', 'KS1', 'KS2', 'KS3', 'KS4', 'KS5'] as const;

export interface AudienceMember {
  roles: readonly string[];
  groupIds: readonly string[];
  yearGroup: string | null;
}

export function keyStageOfYear(yearGroup: string | null): string | undefined {
  return yearGroup && (YEAR_GROUPS as readonly string[]).includes(yearGroup) ? keyStageOf(yearGroup as YearGroup) : undefined;
}

export function inAudience(audience: Audience, person: AudienceMember): boolean {
  const { roles, groupIds, keyStages } = audience;
  if (roles.length === 0 && groupIds.length === 0 && keyStages.length === 0) return false;
  if (roles.length && !roles.some((r) => person.roles.includes(r))) return false;
  if (groupIds.length && !groupIds.some((g) => person.groupIds.includes(g))) return false;
  if (keyStages.length) {
    const stage = keyStageOfYear(person.yearGroup);
    if (!stage || !keyStages.includes(stage)) return false;
  }
  return true;
}

/** The stored JSON, tolerant of missing parts. */
export function audienceOf(value: unknown): Audience {
  const v = (value ?? {}) as Partial<Record<keyof Audience, unknown>>;
  const list = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  return { roles: list(v.roles), groupIds: list(v.groupIds), keyStages: list(v.keyStages) };
}
