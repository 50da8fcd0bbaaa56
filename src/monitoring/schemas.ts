/**
 * The monitoring API's payloads, one schema each (issue 12): the alert inbox, the phrase lists and the alert rules.
 * Fastify validates requests and writes answers by them (an answer keeps only the fields named here), the OpenAPI
 * document shows them, and the web interface imports their types.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from '../platform/schemas.ts';
import { PHRASE_CATEGORIES } from './matcher.ts';
import { ROUTABLE_ROLES } from './rules.ts';

/** The phrase categories (matcher.ts), as an enum: one list, so the schema cannot drift from the matcher. */
export const PhraseCategorySchema = Type.Enum(PHRASE_CATEGORIES);
export const SeveritySchema = Type.Union([Type.Literal('critical'), Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]);
export const AlertStatusSchema = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('dismissed'), Type.Literal('escalated')]);
export const RoutableRoleSchema = Type.Enum(ROUTABLE_ROLES);

// ---------------------------------------------------------------- alerts

export const AlertsQuery = Type.Object({
  status: Type.Optional(AlertStatusSchema),
  severity: Type.Optional(SeveritySchema),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
}, { additionalProperties: false });

/** The person an alert is about, when the directory knows them. */
export const AlertPersonSchema = Type.Object({ id: Type.String(), name: Type.String(), username: Type.String(), yearGroup: Nullable(Type.String()) });

/** An alert as the inbox lists it (src/monitoring/service.ts, `AlertView`). */
export const AlertSchema = Type.Object({
  id: Type.String(),
  ruleName: Type.String(),
  kind: Type.String(),
  category: Nullable(Type.String()),
  categoryName: Nullable(Type.String()),
  severity: Type.String(),
  priority: Type.Integer(),
  delivery: Type.String(),
  status: AlertStatusSchema,
  person: Nullable(AlertPersonSchema),
  username: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  deviceId: Nullable(Type.String()),
  score: Type.Integer(),
  firstEventAt: Type.String(),
  lastEventAt: Type.String(),
  createdAt: Type.String(),
  handledBy: Nullable(Type.String()),
  handledAt: Nullable(Type.String()),
  handledReason: Nullable(Type.String()),
  incidentId: Nullable(Type.String()),
});
export type AlertSummary = Static<typeof AlertSchema>;

/** One event that raised (or added to) an alert, with the phrases found in it. */
export const EvidenceSchema = Type.Object({
  eventId: Type.String(),
  eventTime: Type.String(),
  host: Type.String(),
  url: Nullable(Type.String()),
  searchTerm: Nullable(Type.String()),
  filterCategory: Nullable(Type.String()),
  action: Type.String(),
  reason: Type.String(),
  score: Type.Integer(),
  riskCategory: Nullable(Type.String()),
  phrases: Type.Array(Type.Object({ category: Type.String(), phrase: Type.String(), weight: Type.Integer() })),
});
export type Evidence = Static<typeof EvidenceSchema>;

/**
 * One of the person's events just before the alert, as the monitoring stage stored it with the alert
 * (src/monitoring/stage.ts, `recentContext`). Stored JSON: the answer passes it on as it was stored.
 */
export const ContextEventSchema = Type.Object({
  id: Type.String(),
  time: Type.String(),
  host: Type.String(),
  url: Nullable(Type.String()),
  searchTerm: Nullable(Type.String()),
  categoryId: Nullable(Type.String()),
  action: Type.String(),
});
export type ContextEvent = Static<typeof ContextEventSchema>;

export const AlertActionSchema = Type.Object({ at: Type.String(), by: Type.String(), action: Type.String(), reason: Nullable(Type.String()) });

/** One alert with its evidence, the person's activity just before and what has been done about it. */
export const AlertDetailSchema = Type.Object({
  ...AlertSchema.properties,
  evidence: Type.Array(EvidenceSchema),
  /** Items are `ContextEvent`s, kept as stored (free-form JSON), so nothing in them is lost. */
  context: Type.Array(Type.Unknown(), { description: 'The person\'s activity just before the alert (ContextEvent: id, time, host, url, searchTerm, categoryId, action)' }),
  actions: Type.Array(AlertActionSchema),
});
export type AlertDetailView = Static<typeof AlertDetailSchema>;

export const AcknowledgeBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

export const DismissBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

// ---------------------------------------------------------------- phrase lists

/** A phrase category and how many phrases it holds. */
export const PhraseCategorySummarySchema = Type.Object({ id: PhraseCategorySchema, name: Type.String(), phrases: Type.Integer() });
export type PhraseCategorySummary = Static<typeof PhraseCategorySummarySchema>;

export const PhraseCategoriesAnswer = Type.Object({ categories: Type.Array(PhraseCategorySummarySchema), total: Type.Integer() });

export const PhraseCategoryParams = Type.Object({ category: PhraseCategorySchema });

/** One phrase (or combination of parts) in a list. */
export const PhraseSchema = Type.Object({
  id: Type.String(),
  phrase: Type.String(),
  parts: Type.Array(Type.String()),
  weight: Type.Integer(),
  source: Type.String(),
});
export type PhraseView = Static<typeof PhraseSchema>;

export const PhraseBody = Type.Object({
  category: PhraseCategorySchema,
  phrase: Type.String({ minLength: 1, maxLength: 400 }),
  weight: Type.Integer({ minimum: -1000, maximum: 1000 }),
}, { additionalProperties: false });

export const PhraseImportBody = Type.Object({
  category: PhraseCategorySchema,
  format: Type.Union([Type.Literal('plain'), Type.Literal('e2guardian')]),
  content: Type.String({ description: 'The file, base64-encoded (so its encoding is kept as it is)', maxLength: 15 * 1024 * 1024 }),
  fileName: Type.Optional(Type.String({ maxLength: 200 })),
  dryRun: Type.Optional(Type.Boolean()),
  defaultWeight: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
}, { additionalProperties: false });

/** A line of an imported list that was skipped, and why. */
export const ImportProblemSchema = Type.Object({
  file: Type.Optional(Type.String()),
  line: Type.Integer(),
  text: Type.String(),
  message: Type.String(),
});

/** What an import (or a phrase added by hand) did. */
export const ImportResultSchema = Type.Object({
  category: PhraseCategorySchema,
  read: Type.Integer(),
  added: Type.Integer(),
  changed: Type.Integer(),
  unchanged: Type.Integer(),
  problems: Type.Array(ImportProblemSchema),
  encoding: Type.String(),
  dryRun: Type.Boolean(),
});
export type PhraseImportResult = Static<typeof ImportResultSchema>;

export const PhraseTestBody = Type.Object({ text: Type.String({ maxLength: 5000 }) }, { additionalProperties: false });

/** How a piece of text scores: per category (only categories with a phrase found), and the phrases found. */
export const PhraseTestResultSchema = Type.Object({
  scores: Type.Record(Type.String(), Type.Number()),
  matches: Type.Array(Type.Object({ category: PhraseCategorySchema, phrase: Type.String(), weight: Type.Integer() })),
});
export type PhraseTestResult = Static<typeof PhraseTestResultSchema>;

export const DigestBody = Type.Object({ frequency: Type.Union([Type.Literal('daily'), Type.Literal('weekly')]) }, { additionalProperties: false });
export const DigestAnswer = Type.Object({ digestFrequency: Type.String() });

// ---------------------------------------------------------------- rules

/** An alert rule (src/monitoring/service.ts, `RuleView`). */
export const RuleSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  category: Nullable(Type.String()),
  minScore: Nullable(Type.Integer()),
  thresholdCount: Nullable(Type.Integer()),
  windowMinutes: Nullable(Type.Integer()),
  severity: Type.String(),
  priority: Type.Integer(),
  delivery: Type.String(),
  routeRoles: Type.Array(Type.String()),
  enabled: Type.Boolean(),
});
export type AlertRuleView = Static<typeof RuleSchema>;

/**
 * A nullable integer in a request, as `type: ['integer', 'null']`: Fastify's validator coerces types, and in an
 * `anyOf` (what `Nullable` makes) it would turn a null into 0 before the null branch is tried, so "no threshold"
 * would be stored as 0.
 */
const nullableInteger = (limits: { minimum: number; maximum: number }) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...limits });

export const RuleChangeBody = Type.Object({
  severity: Type.Optional(SeveritySchema),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  delivery: Type.Optional(Type.Union([Type.Literal('immediate'), Type.Literal('digest')])),
  routeRoles: Type.Optional(Type.Array(RoutableRoleSchema, { maxItems: 10 })),
  minScore: Type.Optional(nullableInteger({ minimum: -1000, maximum: 10000 })),
  thresholdCount: Type.Optional(nullableInteger({ minimum: 1, maximum: 10000 })),
  windowMinutes: Type.Optional(nullableInteger({ minimum: 1, maximum: 10080 })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false, minProperties: 1 });
