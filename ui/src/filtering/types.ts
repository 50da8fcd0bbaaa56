/** Shapes of the filtering API's answers, as the UI reads them. */
import type { CategoryGroup } from '../../../src/filtering/lists/taxonomy.ts';

export type { CategoryGroup };

/** What a policy does with a category, an entry or anything it has no rule for. */
export type PolicyAction = 'allow' | 'warn' | 'monitor' | 'block';

/** What the filter does with one request: a policy action, or "allow with SafeSearch enforced". */
export type Verdict = PolicyAction | 'safesearch';

export interface Category {
  id: string;
  name: string;
  description: string;
  illegal: boolean;
  circumvention?: boolean;
  /** The display grouping; filled in from Osprey's taxonomy when the API leaves it out. */
  group: CategoryGroup;
}

export type LocalEntryKind = 'domain' | 'url' | 'regex';

export interface LocalEntry { id: string; kind: LocalEntryKind; value: string; note?: string }

/** A weekly window; days: 0 = Sunday … 6 = Saturday; times 'HH:MM', end exclusive. */
export interface Schedule { id: string; name: string; days: number[]; start: string; end: string; categoryActions: Record<string, PolicyAction> }

/** The part of a policy a person can change (what PUT /api/filtering/policies/:id takes). */
export interface PolicyDocument {
  name: string;
  description: string;
  priority: number;
  defaultAction: PolicyAction;
  safeSearch: boolean;
  categoryActions: Record<string, PolicyAction>;
  schedules: Schedule[];
  localBlock: LocalEntry[];
  localAllow: LocalEntry[];
  /** Group ids and 'role:<role>' strings. */
  targets: string[];
}

export interface Policy extends PolicyDocument {
  id: string;
  /** The shipped default it started as ('ks3'), if any. */
  key: string;
  /** The policy for devices and people Osprey cannot identify. */
  unidentified: boolean;
  version: number;
  updatedAt: string;
}

export interface FilterChange {
  seq: number;
  at: string;
  actorLabel: string;
  entityType: string;
  entityId: string;
  action: string;
  reason: string;
  before: unknown;
  after: unknown;
  approvedBy: string | null;
}

export interface ListProblem { file: string; line: number; reason: string }

export interface ListSource {
  id: string;
  name: string;
  location: string;
  kind: 'url' | 'file' | string;
  format: string;
  vendor: string | null;
  category: string | null;
  refreshHours: number | null;
  status: 'ok' | 'error' | string;
  lastError: string | null;
  lastCheckedAt: string | null;
  lastUpdatedAt: string | null;
  entries: Record<string, number>;
  problems: ListProblem[];
  problemsCount: number;
}

export interface ImportResult { sourceId: string; changed: boolean; entries: Record<string, number>; problems: ListProblem[]; problemsCount: number }

/** POST /api/filtering/why: what the filter would do with an address, and why, in plain sentences. */
export interface WhyAnswer {
  action: Verdict;
  reason: string;
  policy: { id: string; name: string };
  explanation: string[];
  match?: { sourceId?: string; entry?: string; categoryId?: string; ruleId?: string; scheduleId?: string };
  safeSearchHost?: string;
  circumvention?: boolean;
  /** Who it was tested for, in words: "Alex Morgan (a.morgan)", "an unidentified device". */
  subject?: string;
  /** The time the test used (ISO). */
  at?: string;
}
