/**
 * Schema pieces every module's routes use (issue 12: one schema per payload). A module's own payloads live in its
 * `schemas.ts`; these are the shapes that are the same everywhere.
 */
import { Type, type TSchema } from 'typebox';
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

/** A nullable value (`T | null`). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The error statuses a route can answer with, for routes whose set differs from `errorResponses`. */
export const errorsFor = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorSchema]));
