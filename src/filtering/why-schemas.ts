/**
 * "Why is this blocked?" (R2.5): the question and the answer of POST /api/filtering/why, one schema each (issue 12).
 * Fastify validates the question and writes the answer by them, and the policy page's test box imports their types.
 */
import { Type, type Static } from 'typebox';
import { PolicyActionSchema } from './policy/schemas.ts';

/** What the filter does with one request: a policy action, or "allow with SafeSearch enforced". */
export const VerdictSchema = Type.Union([PolicyActionSchema, Type.Literal('safesearch')]);

export const WhyQuestionSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 4000 }),
  /** A person's username: their groups and roles choose the policy. */
  username: Type.Optional(Type.String({ maxLength: 100 })),
  /** A group id or name, or 'role:<role>'. */
  groupId: Type.Optional(Type.String({ maxLength: 100 })),
  /** ISO time; now when left out. */
  at: Type.Optional(Type.String({ maxLength: 40 })),
}, { additionalProperties: false });
export type WhyQuestionBody = Static<typeof WhyQuestionSchema>;

/** What the filter would do with an address, and why, in plain sentences. */
export const WhyAnswerSchema = Type.Object({
  action: VerdictSchema,
  /** The reason code (illegal_content, local_block, category, default, …). */
  reason: Type.String(),
  policyId: Type.String(),
  policy: Type.Object({ id: Type.String(), name: Type.String() }),
  explanation: Type.Array(Type.String()),
  /** Who it was tested for, in words: "Alex Morgan (a.morgan)", "an unidentified device". */
  subject: Type.String(),
  /** The time the test used (ISO). */
  at: Type.String(),
  /** What matched: list source, entry, category, rule, schedule. */
  match: Type.Optional(Type.Object({
    sourceId: Type.Optional(Type.String()),
    entry: Type.Optional(Type.String()),
    categoryId: Type.Optional(Type.String()),
    ruleId: Type.Optional(Type.String()),
    scheduleId: Type.Optional(Type.String()),
  })),
  safeSearchHost: Type.Optional(Type.String()),
  circumvention: Type.Optional(Type.Boolean()),
});
export type WhyAnswerView = Static<typeof WhyAnswerSchema>;
