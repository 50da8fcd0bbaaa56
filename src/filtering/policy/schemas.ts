/**
 * The filtering policy API's payloads, one schema each (issue 12): Fastify validates requests and writes answers by
 * them, the OpenAPI document shows them, and their TypeScript types (`Static<typeof …>`) are what the routes and the
 * web interface use.
 */
import { Type, type Static } from 'typebox';

export const PolicyActionSchema = Type.Union([Type.Literal('allow'), Type.Literal('block'), Type.Literal('warn'), Type.Literal('monitor')]);
const CategoryActions = Type.Record(Type.String(), PolicyActionSchema);

export const LocalEntrySchema = Type.Object({
  id: Type.String({ maxLength: 64 }),
  kind: Type.Union([Type.Literal('domain'), Type.Literal('url'), Type.Literal('regex')]),
  value: Type.String({ minLength: 1, maxLength: 2000 }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

export const ScheduleSchema = Type.Object({
  id: Type.String({ maxLength: 64 }),
  name: Type.String({ maxLength: 100 }),
  days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { maxItems: 7 }),
  start: Type.String({ maxLength: 5 }),
  end: Type.String({ maxLength: 5 }),
  categoryActions: CategoryActions,
}, { additionalProperties: false });

const documentProperties = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.String({ maxLength: 1000 }),
  priority: Type.Integer({ minimum: 0, maximum: 1000 }),
  defaultAction: PolicyActionSchema,
  safeSearch: Type.Boolean(),
  categoryActions: CategoryActions,
  schedules: Type.Array(ScheduleSchema, { maxItems: 50 }),
  localBlock: Type.Array(LocalEntrySchema, { maxItems: 5000 }),
  localAllow: Type.Array(LocalEntrySchema, { maxItems: 5000 }),
  targets: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500 }),
};

/** What a person edits: everything about a policy but its identity and version. */
export const PolicyDocumentSchema = Type.Object(documentProperties, { additionalProperties: false });

/** A stored policy, as the API answers it. */
export const PolicySchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  unidentified: Type.Boolean(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  ...documentProperties,
});
export type PolicyView = Static<typeof PolicySchema>;

export const PolicyIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const PolicyUpdateSchema = Type.Object({
  document: PolicyDocumentSchema,
  reason: Type.String({ maxLength: 1000 }),
  expectedVersion: Type.Integer({ minimum: 1 }),
}, { additionalProperties: false });
export type PolicyUpdate = Static<typeof PolicyUpdateSchema>;

export const CategorySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  group: Type.String(),
  illegal: Type.Boolean(),
  /** Present (true) for the categories of sites that get round filtering (proxies, VPNs). */
  circumvention: Type.Optional(Type.Boolean()),
});

export const ChangesQuery = Type.Object({
  entityId: Type.Optional(Type.String({ maxLength: 64 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
}, { additionalProperties: false });

/** One entry of the filter change log (R3.2). */
export const FilterChangeSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actorLabel: Type.String(),
  entityType: Type.String(),
  entityId: Type.String(),
  action: Type.String(),
  reason: Type.String(),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  approvedBy: Type.Union([Type.String(), Type.Null()]),
});
export type FilterChangeView = Static<typeof FilterChangeSchema>;
