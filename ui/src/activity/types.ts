/** What GET /api/activity answers (src/activity/schemas.ts), as the activity pages read it. */
import type { ActivityEventView, ActivityPage } from '../../../src/activity/schemas.ts';
import type { Verdict } from '../filtering/types.ts';

export type { ActivityPerson } from '../../../src/activity/schemas.ts';

/** One event as the API answers it (the server's ActivityEventView), with its action as the filtering pages know it. */
export type ActivityEvent = Omit<ActivityEventView, 'action'> & { action: Verdict };

/** A page of a search: `next` is the marker of the next (older) page, or null on the last; `person` the person the search names, when the directory knows them. */
export type ActivityAnswer = Omit<ActivityPage, 'events'> & { events: ActivityEvent[] };

/** The filters, as they appear in the page address and in the API's query. */
export const FILTERS = ['person', 'group', 'device', 'ip', 'host', 'category', 'action', 'from', 'to'] as const;
export type Filters = Record<(typeof FILTERS)[number], string>;

export function filtersFrom(search: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Filters;
}
