/** What GET /api/activity answers (src/activity/routes.ts), as the activity pages read it. */
import type { ActivityView } from '../../../src/activity/service.ts';
import type { Verdict } from '../filtering/types.ts';

export type ActivityPerson = NonNullable<ActivityView['person']>;

/** One event as the API answers it (the server's ActivityView), with its action as the filtering pages know it. */
export type ActivityEvent = Omit<ActivityView, 'action'> & { action: Verdict };

export interface ActivityAnswer {
  events: ActivityEvent[];
  /** The marker of the next (older) page, or null on the last. */
  next: string | null;
  /** The person the search names, when the directory knows them. */
  person: ActivityPerson | null;
  timeZone: string;
}

/** The filters, as they appear in the page address and in the API's query. */
export const FILTERS = ['person', 'group', 'device', 'ip', 'host', 'category', 'action', 'from', 'to'] as const;
export type Filters = Record<(typeof FILTERS)[number], string>;

export function filtersFrom(search: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Filters;
}
