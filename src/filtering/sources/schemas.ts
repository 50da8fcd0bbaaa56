/**
 * The list sources API's payloads, one schema each (issue 12): block lists with their status and entries per
 * category, and what an import found. Fastify validates requests and writes answers by them, and the web interface
 * imports their types.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/schemas.ts';

/** A line of a list Osprey could not use, and why. */
export const ListProblemSchema = Type.Object({ file: Type.String(), line: Type.Integer(), reason: Type.String() });
export type ListProblem = Static<typeof ListProblemSchema>;

/** Entries per category id. */
const EntryCounts = Type.Record(Type.String(), Type.Integer());

/** A block-list source, as the API answers it. */
export const ListSourceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  location: Type.String(),
  kind: Type.Union([Type.Literal('url'), Type.Literal('file')]),
  format: Type.String(),
  vendor: Nullable(Type.String()),
  category: Nullable(Type.String()),
  refreshHours: Nullable(Type.Integer()),
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('ok'), Type.Literal('error')]),
  lastError: Nullable(Type.String()),
  lastCheckedAt: Nullable(Type.String()),
  lastUpdatedAt: Nullable(Type.String()),
  entries: EntryCounts,
  problems: Type.Array(ListProblemSchema),
  problemsCount: Type.Integer(),
});
export type ListSourceView = Static<typeof ListSourceSchema>;

/** What importing (or fetching again) a list found. */
export const ImportResultSchema = Type.Object({
  sourceId: Type.String(),
  changed: Type.Boolean(),
  entries: EntryCounts,
  problems: Type.Array(ListProblemSchema),
  problemsCount: Type.Integer(),
});
export type ImportResultView = Static<typeof ImportResultSchema>;

/** A block list fetched from a web address (files on the server are added with `osprey lists import`). */
export const NewWebSourceSchema = Type.Object({
  name: Type.String({ maxLength: 64 }),
  url: Type.String({ pattern: '^https?://', maxLength: 2000 }),
  format: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('hosts'), Type.Literal('domains'), Type.Literal('adblock')])),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  refreshHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 744 })),
  reason: Type.String({ minLength: 5, maxLength: 1000 }),
}, { additionalProperties: false });
export type NewWebSource = Static<typeof NewWebSourceSchema>;
