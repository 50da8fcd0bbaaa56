/** Shapes of the filtering API's answers, as the UI reads them. */
import type { CategoryGroup } from '../../../src/filtering/lists/taxonomy.ts';

export type { CategoryGroup };

// The server's own types, imported as types only (nothing from the server is bundled into the page).
import type { DecisionAction, LocalEntry as EngineLocalEntry, PolicyAction, ScheduleWindow } from '../../../src/filtering/engine/types.ts';
import type { StoredPolicy, FilterChange } from '../../../src/filtering/policy/store.ts';
import type { PolicyDocument } from '../../../src/filtering/policy/validate.ts';

export type { PolicyAction, PolicyDocument, FilterChange };

/** What the filter does with one request: a policy action, or "allow with SafeSearch enforced". */
export type Verdict = DecisionAction;

export interface Category {
  id: string;
  name: string;
  description: string;
  illegal: boolean;
  circumvention?: boolean;
  /** The display grouping; filled in from Osprey's taxonomy when the API leaves it out. */
  group: CategoryGroup;
}

export type LocalEntryKind = EngineLocalEntry['kind'];
export type LocalEntry = EngineLocalEntry;
/** A weekly window; days: 0 = Sunday … 6 = Saturday; times 'HH:MM', end exclusive. */
export type Schedule = ScheduleWindow;
export type Policy = StoredPolicy;

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
