/** What GET /api/activity answers (src/activity/routes.ts), as the activity pages read it. */
import type { Verdict } from '../filtering/types.ts';

export interface ActivityPerson { id: string; name: string; username: string; yearGroup: string | null }

export interface ActivityEvent {
  id: string;
  time: string;
  person: ActivityPerson | null;
  username: string | null;
  deviceId: string | null;
  ip: string | null;
  host: string;
  url: string | null;
  searchTerm: string | null;
  category: { id: string; name: string } | null;
  action: Verdict;
  policy: { id: string; name: string | null };
  circumvention: boolean;
}

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
