/**
 * The activity API's payloads, one schema each (issue 12): the search filters, a page of events and the CSV export.
 * Fastify validates requests and writes answers by them, the OpenAPI document shows them, and the web interface
 * imports their types.
 */
import { Type, type Static } from 'typebox';
import { FileAnswer, Nullable } from '../platform/schemas.ts';
import { WARNED_AND_CONTINUED } from './service.ts';

const actionLiterals = () => [
  Type.Literal('allow'), Type.Literal('block'), Type.Literal('warn'), Type.Literal(WARNED_AND_CONTINUED), Type.Literal('monitor'), Type.Literal('safesearch'),
];
/** The `action` filter: what happened to a request. */
export const ActivityActionSchema = Type.Union(actionLiterals());

const filterProperties = {
  person: Type.Optional(Type.String({ maxLength: 200, description: 'A person: their id or username' })),
  group: Type.Optional(Type.String({ format: 'uuid', description: 'Everyone in this group' })),
  device: Type.Optional(Type.String({ maxLength: 200 })),
  ip: Type.Optional(Type.String({ maxLength: 64, description: 'An address (10.0.3.45) or a network (10.0.3.0/24)' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: 'From this time (ISO 8601), inclusive' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Up to this time (ISO 8601), exclusive' })),
  category: Type.Optional(Type.String({ maxLength: 100, description: "A category id, or 'none' for sites in no category" })),
  action: Type.Optional(Type.Union(actionLiterals(), { description: `What happened; '${WARNED_AND_CONTINUED}' is a warning the person went past by choosing Continue` })),
  host: Type.Optional(Type.String({ maxLength: 300, description: 'A site and everything under it: bbc.co.uk matches news.bbc.co.uk' })),
};

/** The filters of a search or an export. */
export const ActivityFiltersQuery = Type.Object(filterProperties, { additionalProperties: false });

/** A search: the filters, and which page. */
export const ActivitySearchQuery = Type.Object({
  ...filterProperties,
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  before: Type.Optional(Type.String({ maxLength: 60, description: 'The `next` marker of the previous page' })),
}, { additionalProperties: false });

export const ActivityPersonSchema = Type.Object({ id: Type.String(), name: Type.String(), username: Type.String(), yearGroup: Nullable(Type.String()) });
export type ActivityPerson = Static<typeof ActivityPersonSchema>;

/** One request (or a fold of repeated blocks) as the API answers it (src/activity/service.ts, `ActivityView`). */
export const ActivityEventSchema = Type.Object({
  id: Type.String(),
  time: Type.String(),
  person: Nullable(ActivityPersonSchema),
  username: Nullable(Type.String()),
  deviceId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  host: Type.String(),
  url: Nullable(Type.String()),
  searchTerm: Nullable(Type.String()),
  category: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  action: Type.String(),
  reason: Type.String(),
  policy: Type.Object({ id: Type.String(), name: Nullable(Type.String()) }),
  ruleId: Nullable(Type.String()),
  sourceId: Nullable(Type.String()),
  circumvention: Type.Boolean(),
  acknowledged: Type.Boolean({ description: 'The person chose Continue on a warning page and went on to this request' }),
  frontEnd: Type.String(),
  node: Type.String(),
  count: Type.Integer({ description: 'How many requests this row stands for: repeated blocks of the same address within a minute are stored as one' }),
  lastTime: Type.Union([Type.String(), Type.Null()], { description: 'When the last of them was made (null for a single request)' }),
});
export type ActivityEventView = Static<typeof ActivityEventSchema>;

/** A page of a search. */
export const ActivityPageSchema = Type.Object({
  events: Type.Array(ActivityEventSchema),
  next: Nullable(Type.String()),
  person: Type.Union([ActivityPersonSchema, Type.Null()], { description: 'The person the search is about, when it names one the directory knows' }),
  timeZone: Type.String({ description: "The school's time zone, in which the UI shows times and reads the dates typed" }),
});
export type ActivityPage = Static<typeof ActivityPageSchema>;

export const ActivityCsvAnswer = FileAnswer('The activity matching the filters, as CSV (text/csv; charset=utf-8), sent as an attachment');
