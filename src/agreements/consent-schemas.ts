/**
 * The media consent API's payloads (R7.1–R7.3), one schema each (issue 12): Fastify validates requests and writes
 * answers by them, the OpenAPI document shows them, and the web interface's consent pages use their types. Answers
 * list every field src/agreements/consent-service.ts sends (parents read theirs on a phone: nothing may go missing).
 */
import { Type, type Static, type TOptional, type TBoolean } from 'typebox';
import { Nullable } from '../platform/schemas.ts';
import { CONSENT_USE_KEYS } from './consent-uses.ts';
import { StringEnum } from './schemas.ts';

const Uuid = Type.String({ format: 'uuid' });
/** A use of a pupil's image, by its key (consent-uses.ts). */
const UseKeySchema = Type.Enum(CONSENT_USE_KEYS, { type: 'string' });

// ---- Requests ------------------------------------------------------------------------------------------------

export const PupilSearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });

export const ConsentCheckQuery = Type.Object({ pupil: Uuid, use: UseKeySchema }, { additionalProperties: false });

export const BulkCheckInputSchema = Type.Object({
  use: UseKeySchema,
  groupId: Type.Optional(Uuid),
  names: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 500 })),
}, { additionalProperties: false });
export type BulkCheckInput = Static<typeof BulkCheckInputSchema>;

const decisionsProperties: Record<string, TOptional<TBoolean>> = Object.fromEntries(CONSENT_USE_KEYS.map((k) => [k, Type.Optional(Type.Boolean())]));
/** A paper consent form: who signed it, its answer for each use it asks about, its date and where it is kept. */
export const PaperConsentInputSchema = Type.Object({
  parentId: Uuid,
  /** use key → given (true) or refused/withdrawn (false); only the uses the form answers. */
  decisions: Type.Unsafe<Record<string, boolean>>(Type.Object(decisionsProperties, { minProperties: 1, additionalProperties: false })),
  formDated: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  formKeptAt: Type.String({ minLength: 1, maxLength: 200 }),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type PaperConsentInput = Static<typeof PaperConsentInputSchema>;

export const ResponsibilityInputSchema = Type.Object({
  parentId: Uuid,
  hasResponsibility: Type.Boolean(),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false });
export type ResponsibilityInput = Static<typeof ResponsibilityInputSchema>;

export const ParentDecisionInputSchema = Type.Object({ use: UseKeySchema, given: Type.Boolean() }, { additionalProperties: false });

// ---- Answers -------------------------------------------------------------------------------------------------

export const PupilViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  username: Type.String(),
  yearGroup: Nullable(Type.String()),
  status: StringEnum(['active', 'leaver', 'disabled']),
});
export type PupilView = Static<typeof PupilViewSchema>;

/** One decision in a pupil's consent history (append-only). */
export const DecisionViewSchema = Type.Object({
  id: Type.String(),
  use: Type.String(),
  useLabel: Type.String(),
  decision: StringEnum(['given', 'refused', 'withdrawn']),
  parentName: Type.String(),
  channel: StringEnum(['online', 'paper']),
  recordedByName: Type.String(),
  recordedAt: Type.String(),
  formDated: Nullable(Type.String()),
  formKeptAt: Nullable(Type.String()),
  note: Type.String(),
});
export type DecisionView = Static<typeof DecisionViewSchema>;

const UseRefSchema = Type.Object({ key: Type.String(), label: Type.String() });

/** May this pupil's image be used for this purpose: yes or no, why, and who decided when. */
export const ConsentAnswerSchema = Type.Object({
  pupil: PupilViewSchema,
  use: UseRefSchema,
  allowed: Type.Boolean(),
  reason: StringEnum(['given', 'refused', 'withdrawn', 'no_record', 'left_school']),
  decision: Nullable(DecisionViewSchema),
  /** One plain sentence: the answer, who and when. */
  summary: Type.String(),
  reminder: Type.String(),
});
export type ConsentAnswer = Static<typeof ConsentAnswerSchema>;

/** A use of a pupil's image that consent is asked for, as people read it. */
export const ConsentUseSchema = Type.Object({ key: Type.String(), label: Type.String(), description: Type.String() });
export type ConsentUse = Static<typeof ConsentUseSchema>;

export const UsesAnswerSchema = Type.Object({ uses: Type.Array(ConsentUseSchema), reminder: Type.String() });
export type UsesAnswer = Static<typeof UsesAnswerSchema>;

export const PupilsAnswerSchema = Type.Object({ pupils: Type.Array(PupilViewSchema) });

export const GroupOptionSchema = Type.Object({ id: Type.String(), kind: Type.String(), name: Type.String(), pupils: Type.Integer() });
export type GroupOption = Static<typeof GroupOptionSchema>;
export const GroupsAnswerSchema = Type.Object({ groups: Type.Array(GroupOptionSchema) });

/** A class or list checked for one use: who may NOT appear, and the names that matched no pupil or several. */
export const BulkCheckAnswerSchema = Type.Object({
  use: UseRefSchema,
  group: Nullable(Type.String()),
  checked: Type.Integer(),
  mayNotAppear: Type.Array(ConsentAnswerSchema),
  mayAppear: Type.Array(PupilViewSchema),
  unknown: Type.Array(Type.String()),
  ambiguous: Type.Array(Type.Object({ typed: Type.String(), matches: Type.Array(PupilViewSchema) })),
  reminder: Type.String(),
});
export type BulkCheckAnswer = Static<typeof BulkCheckAnswerSchema>;

/** An adult linked to a pupil, and whether the school has recorded them as having parental responsibility. */
export const LinkedAdultViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  username: Type.String(),
  hasResponsibility: Type.Boolean(),
  recordedBy: Nullable(Type.String()),
  recordedAt: Nullable(Type.String()),
  note: Type.String(),
});
export type LinkedAdultView = Static<typeof LinkedAdultViewSchema>;

/** Everything about one pupil's consents, for the office. */
export const PupilConsentRecordSchema = Type.Object({
  pupil: PupilViewSchema,
  current: Type.Array(ConsentAnswerSchema),
  history: Type.Array(DecisionViewSchema),
  reminder: Type.String(),
  adults: Type.Array(LinkedAdultViewSchema),
});
export type PupilConsentRecord = Static<typeof PupilConsentRecordSchema>;

export const RecordedAnswerSchema = Type.Object({ recorded: Type.Integer() });

/** One of a parent's children: their consents and history, and whether this parent may change them. */
export const ChildConsentsSchema = Type.Object({
  pupil: PupilViewSchema,
  /** False when the school has recorded that this adult does not have parental responsibility: view only. */
  canChange: Type.Boolean(),
  consents: Type.Array(ConsentAnswerSchema),
  history: Type.Array(DecisionViewSchema),
});
export type ChildConsents = Static<typeof ChildConsentsSchema>;

export const FamilyAnswerSchema = Type.Object({ children: Type.Array(ChildConsentsSchema), uses: Type.Array(ConsentUseSchema), reminder: Type.String() });
export type FamilyAnswer = Static<typeof FamilyAnswerSchema>;
