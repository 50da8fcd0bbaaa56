/**
 * Schema pieces every module's routes use (issue 12: one schema per payload). A module's own payloads live in its
 * `schemas.ts`; these are the shapes that are the same everywhere.
 */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { errorSchema } from './errors.ts';

export { errorResponses, errorSchema } from './errors.ts';

/** `:id` in the path: a record's id. */
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A POST that takes nothing: no body, or an empty JSON object. */
export const NoBody = Type.Union([Type.Null(), Type.Object({}, { additionalProperties: false })]);

/** `{ ok: true }`, the answer of an action that has nothing else to say. */
export const OkAnswer = Type.Object({ ok: Type.Boolean() });

/** A file answered as it is (a PDF, an attachment), not as JSON; the description says what it is. */
export const FileAnswer = (description: string) => Type.Unsafe<unknown>({ type: 'string', format: 'binary', description });

/**
 * A nullable value (`T | null`). For a plain typed schema this is `type: [T, 'null']`, not a choice of two schemas:
 * the validator converts types (coerceTypes), and with a choice it would turn a sent `null` into `0`, `""` or `false`
 * by the first branch before trying the null one.
 */
export const Nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> => {
  const plain = schema as { type?: unknown; enum?: unknown[] };
  if (typeof plain.type === 'string') {
    return Type.Unsafe<Static<T> | null>({ ...schema, type: [plain.type, 'null'], ...(plain.enum ? { enum: [...plain.enum, null] } : {}) });
  }
  return Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
};

/** The error statuses a route can answer with, for routes whose set differs from `errorResponses`. */
export const errorsFor = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorSchema]));

const Count = Type.Number({ minimum: 0 });

/** The activity log's and monitoring's progress, as figures (set by the composition root, app/server.ts). */
export const ServerHealthSchema = Type.Object({
  activity: Type.Object({
    emitted: Count, stored: Count, duplicates: Count, dropped: Count, setAside: Count, waitingBatches: Count,
    spoolBytes: Count, spoolMaxBytes: Count, spoolFull: Type.Boolean(), databaseOk: Type.Boolean(), spoolOk: Type.Boolean(),
    /** Events the previous run left in the spool: their size, and how much of it is stored (the replay's progress). */
    replayBytes: Count, replayedBytes: Count,
  }),
  monitoring: Type.Object({ scored: Count, queuedBatches: Count, alertsRaised: Count, failures: Count }),
  /** Statements waiting for the embedded database's one connection (0 on PostgreSQL). */
  databaseQueue: Count,
});
export type ServerHealth = Static<typeof ServerHealthSchema>;

/** The System status page's answer: the figures above while the server runs, and the front-ends' ports. */
export const SystemStatusSchema = Type.Object({
  running: Type.Boolean(),
  activity: Type.Optional(ServerHealthSchema.properties.activity),
  monitoring: Type.Optional(ServerHealthSchema.properties.monitoring),
  databaseQueue: Type.Optional(Count),
  frontEnds: Type.Object({ proxyPort: Type.Optional(Type.Integer()), dnsPort: Type.Optional(Type.Integer()) }),
});
export type SystemStatus = Static<typeof SystemStatusSchema>;
