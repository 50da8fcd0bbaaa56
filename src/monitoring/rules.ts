/**
 * Alert rules (R4.3, R2.13) as data: each school starts with the defaults below and may change them. Checking an
 * event against the rules is pure (this file); the stage (stage.ts) stores what they decide.
 *
 * Defaults, after the seeds' "Responding to incidents of misuse" (illegal → straight to the DSL) and the DfE
 * monitoring standard (self-harm and Prevent concerns are acted on at once; the rest is reviewed regularly):
 *   1. any attempt at an illegal-list entry: critical, immediate, DSL and deputies and the Online Safety Lead;
 *   2–3. self-harm or extremism scoring 50 or more: critical, immediate, DSL and deputies;
 *   4. getting round the filter (proxy/VPN blocks, bypass hosts, proxy phrases ≥ 50): high, immediate, Online Safety Lead;
 *   5. 10 blocked requests by one person within 10 minutes: medium, immediate, Online Safety Lead;
 *   6. any other risk category scoring 50 or more: medium, weekly digest, DSL and the Online Safety Lead;
 *   7. self-harm or extremism scoring 25–49: low, weekly digest, DSL and deputies.
 */
import { categoryById } from '../filtering/index.ts';
import type { PhraseCategory, ScoreResult } from './matcher.ts';
import type { RuleRow } from './store.ts';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const ROUTABLE_ROLES = ['dsl', 'deputy_dsl', 'online_safety_lead', 'headteacher', 'network_manager'] as const;

export type RuleDefinition = Pick<RuleRow, 'name' | 'kind' | 'category' | 'min_score' | 'threshold_count' | 'window_minutes' | 'severity' | 'priority' | 'delivery' | 'route_roles'>;

const SAFEGUARDING = ['dsl', 'deputy_dsl'];
const rule = (r: Partial<RuleDefinition> & Pick<RuleDefinition, 'name' | 'kind' | 'severity' | 'priority' | 'delivery' | 'route_roles'>): RuleDefinition =>
  ({ category: null, min_score: null, threshold_count: null, window_minutes: null, ...r });

export const DEFAULT_RULES: readonly RuleDefinition[] = [
  rule({ name: 'Attempt at illegal content', kind: 'illegal', severity: 'critical', priority: 1, delivery: 'immediate', route_roles: [...SAFEGUARDING, 'online_safety_lead'] }),
  rule({ name: 'Self-harm or suicide risk', kind: 'phrase', category: 'self_harm', min_score: 50, severity: 'critical', priority: 2, delivery: 'immediate', route_roles: SAFEGUARDING }),
  rule({ name: 'Extremism or radicalisation risk (Prevent)', kind: 'phrase', category: 'extremism', min_score: 50, severity: 'critical', priority: 3, delivery: 'immediate', route_roles: SAFEGUARDING }),
  rule({ name: 'Getting round the filter', kind: 'circumvention', min_score: 50, severity: 'high', priority: 4, delivery: 'immediate', route_roles: ['online_safety_lead'] }),
  rule({ name: 'Repeated blocked attempts', kind: 'repeated_blocks', threshold_count: 10, window_minutes: 10, severity: 'medium', priority: 5, delivery: 'immediate', route_roles: ['online_safety_lead'] }),
  rule({ name: 'Other risk found in searches or addresses', kind: 'phrase', category: null, min_score: 50, severity: 'medium', priority: 6, delivery: 'digest', route_roles: ['dsl', 'online_safety_lead'] }),
  rule({ name: 'Possible self-harm concern (lower score)', kind: 'phrase', category: 'self_harm', min_score: 25, severity: 'low', priority: 7, delivery: 'digest', route_roles: SAFEGUARDING }),
  rule({ name: 'Possible extremism concern (lower score)', kind: 'phrase', category: 'extremism', min_score: 25, severity: 'low', priority: 8, delivery: 'digest', route_roles: SAFEGUARDING }),
];

/** What the rules look at in one stored event. */
export interface EventFacts {
  action: string;
  reason: string;
  categoryId: string | null;
  circumvention: boolean;
  result: ScoreResult;
  /**
   * Whether this person made at least `threshold` blocked requests within the rule's window, this one included
   * (repeated_blocks; absent when the event was not blocked or names nobody). See blocks.ts.
   */
  blocksAtLeast?: (threshold: number, windowMinutes: number) => boolean;
}

export interface RuleHit { rule: RuleRow; category: string | null; score: number }

const RISK_ONLY = new Set<string>(['circumvention', 'other', 'good']);

export function isIllegalAttempt(f: Pick<EventFacts, 'reason' | 'categoryId'>): boolean {
  return f.reason === 'illegal_content' || (f.categoryId !== null && categoryById(f.categoryId)?.illegal === true);
}

/** The first enabled rule (by priority) the event meets, or null. Rules must be sorted by priority. */
export function firstRuleHit(rules: readonly RuleRow[], f: EventFacts): RuleHit | null {
  for (const r of rules) {
    if (!r.enabled) continue;
    const hit = ruleHit(r, f);
    if (hit) return hit;
  }
  return null;
}

function topRisk(scores: ScoreResult['scores'], only: string | null): { category: string; score: number } | null {
  let best: { category: string; score: number } | null = null;
  for (const [c, s] of Object.entries(scores) as Array<[PhraseCategory, number]>) {
    if (only ? c !== only : RISK_ONLY.has(c)) continue;
    if (!best || s > best.score) best = { category: c, score: s };
  }
  return best;
}

function ruleHit(r: RuleRow, f: EventFacts): RuleHit | null {
  switch (r.kind) {
    case 'illegal':
      return isIllegalAttempt(f) ? { rule: r, category: f.categoryId, score: 0 } : null;
    case 'circumvention': {
      const phrase = f.result.scores.circumvention ?? 0;
      const blocked = (f.circumvention && f.action !== 'allow') || f.reason === 'circumvention_host';
      if (blocked) return { rule: r, category: f.categoryId, score: phrase };
      return r.min_score !== null && phrase >= r.min_score ? { rule: r, category: 'circumvention', score: phrase } : null;
    }
    case 'phrase': {
      const top = topRisk(f.result.scores, r.category);
      return top && top.score >= (r.min_score ?? 50) ? { rule: r, category: top.category, score: top.score } : null;
    }
    case 'repeated_blocks': {
      if (f.action !== 'block' || !f.blocksAtLeast || !r.threshold_count || !r.window_minutes) return null;
      return f.blocksAtLeast(r.threshold_count, r.window_minutes) ? { rule: r, category: f.categoryId, score: 0 } : null;
    }
  }
}
