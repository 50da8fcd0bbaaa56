/** Shapes of the filtering API's answers, as the UI reads them: the server's schemas' own types (issue 12). */
import type { Static } from 'typebox';
import type { CategoryGroup } from '../../../src/filtering/lists/taxonomy.ts';

export type { CategoryGroup };

// The server's own types, imported as types only (nothing from the server is bundled into the page).
import type { DecisionAction, LocalEntry as EngineLocalEntry, PolicyAction, ScheduleWindow } from '../../../src/filtering/engine/types.ts';
import type { CategorySchema, FilterChangeView, PolicyView } from '../../../src/filtering/policy/schemas.ts';
import type { PolicyDocument } from '../../../src/filtering/policy/validate.ts';
import type { ImportResultView, ListProblem, ListSourceView } from '../../../src/filtering/sources/schemas.ts';
import type { WhyAnswerView } from '../../../src/filtering/why-schemas.ts';

export type { PolicyAction, PolicyDocument, ListProblem };

/** What the filter does with one request: a policy action, or "allow with SafeSearch enforced". */
export type Verdict = DecisionAction;

/** A category as GET /api/filtering/categories answers it, with the display grouping narrowed to Osprey's taxonomy. */
export type Category = Omit<Static<typeof CategorySchema>, 'group'> & {
  /** The display grouping; filled in from Osprey's taxonomy when the API leaves it out. */
  group: CategoryGroup;
};

export type LocalEntryKind = EngineLocalEntry['kind'];
export type LocalEntry = EngineLocalEntry;
/** A weekly window; days: 0 = Sunday … 6 = Saturday; times 'HH:MM', end exclusive. */
export type Schedule = ScheduleWindow;
export type Policy = PolicyView;
/** One entry of the filter change log (R3.2). */
export type FilterChange = FilterChangeView;

export type ListSource = ListSourceView;
export type ImportResult = ImportResultView;

/** POST /api/filtering/why: what the filter would do with an address, and why, in plain sentences. */
export type WhyAnswer = WhyAnswerView;
