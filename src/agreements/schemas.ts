/**
 * The Acceptable Use Agreements API's payloads, one schema each (issue 12): Fastify validates requests and writes
 * answers by them, the OpenAPI document shows them, and their TypeScript types (`Static<typeof …>`) are what the
 * routes and the web interface use. Answers list every field the services send (src/agreements/service.ts,
 * coverage.ts): a field left out here would silently vanish from the pages, the sign page on a parent's phone among them.
 */
import { Type, type Static } from 'typebox';
import { ROLES } from '../directory/index.ts';
import { Nullable } from '../platform/schemas.ts';
import { KEY_STAGES } from './audience.ts';

/** `{ type: 'string', enum: [...] }`, typed as the union of its values. */
export const StringEnum = <const T extends string[]>(values: readonly [...T], options: { description?: string } = {}) =>
  Type.Enum(values, { type: 'string', ...options });

const Uuid = Type.String({ format: 'uuid' });
const RoleSchema = StringEnum(ROLES);

// ---- Requests ------------------------------------------------------------------------------------------------

/** Who an agreement is for, as a person edits it: roles, groups and key stages. */
export const AudienceInputSchema = Type.Object({
  roles: Type.Array(RoleSchema, { maxItems: 30 }),
  groupIds: Type.Array(Uuid, { maxItems: 200 }),
  keyStages: Type.Array(StringEnum(KEY_STAGES), { maxItems: 6 }),
}, { additionalProperties: false });

/** An agreement's draft: its name, text (Markdown), audience, and whether a parent's signature is enough. */
export const TemplateInputSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  body: Type.String({ maxLength: 100_000 }),
  audience: AudienceInputSchema,
  parentMaySign: Type.Boolean(),
  active: Type.Boolean(),
}, { additionalProperties: false });
export type TemplateInput = Static<typeof TemplateInputSchema>;

/** School year start, gating and grace periods (also what the campaign answer repeats). */
export const AgreementSettingsSchema = Type.Object({
  yearStarts: Type.String({ pattern: '^\\d{2}-\\d{2}$', description: 'Month-day the school year starts, e.g. 09-01' }),
  gating: Type.Boolean({ description: 'Hold back the internet until people sign' }),
  joinerGraceDays: Type.Integer({ minimum: 0, maximum: 60 }),
  versionGraceDays: Type.Integer({ minimum: 0, maximum: 60 }),
  yearGraceDays: Type.Integer({ minimum: 0, maximum: 60 }),
}, { additionalProperties: false });
export type AgreementSettingsInput = Static<typeof AgreementSettingsSchema>;

export const SignInputSchema = Type.Object({
  versionId: Uuid,
  textSha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the exact text shown' }),
  typedName: Type.String({ maxLength: 200 }),
  agreed: Type.Boolean(),
  personId: Type.Optional(Type.String({ format: 'uuid', description: 'The child a parent signs for; omit to sign for yourself' })),
}, { additionalProperties: false });
export type SignInput = Static<typeof SignInputSchema>;

export const PaperInputSchema = Type.Object({
  versionId: Uuid,
  personId: Uuid,
  signedOn: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  nameOnForm: Type.String({ maxLength: 200 }),
  paperLocation: Type.String({ maxLength: 300 }),
}, { additionalProperties: false });
export type PaperInput = Static<typeof PaperInputSchema>;

export const PreviewInputSchema = Type.Object({ markdown: Type.String({ maxLength: 100_000 }) }, { additionalProperties: false });

export const CoverageQuerySchema = Type.Object({
  templateId: Type.Optional(Uuid),
  groupId: Type.Optional(Uuid),
  role: Type.Optional(RoleSchema),
  status: Type.Optional(StringEnum(['signed', 'grace', 'unsigned', 'not_signed'])),
}, { additionalProperties: false });
export type CoverageQuery = Static<typeof CoverageQuerySchema>;

export const ReminderInputSchema = Type.Object({
  templateId: Type.Optional(Uuid),
  groupId: Type.Optional(Uuid),
  role: Type.Optional(RoleSchema),
  personIds: Type.Optional(Type.Array(Uuid, { maxItems: 5000 })),
}, { additionalProperties: false });
export type ReminderInput = Static<typeof ReminderInputSchema>;

// ---- Answers -------------------------------------------------------------------------------------------------

export const SignStatusSchema = StringEnum(['signed', 'grace', 'unsigned']);
export type SignStatus = Static<typeof SignStatusSchema>;
export const SignMethodSchema = StringEnum(['online', 'parent', 'paper']);
export type SignMethod = Static<typeof SignMethodSchema>;

const versionProperties = {
  id: Type.String(),
  number: Type.Integer(),
  title: Type.String(),
  textSha256: Type.String(),
  publishedAt: Type.String(),
};
/** A published version of an agreement (immutable). */
export const VersionInfoSchema = Type.Object(versionProperties);
export type VersionInfo = Static<typeof VersionInfoSchema>;
/** A published version with the exact HTML people read and sign. */
export const VersionWithTextSchema = Type.Object({ ...versionProperties, html: Type.String() });
export type VersionWithText = Static<typeof VersionWithTextSchema>;

const SchoolYearSchema = Type.Object({ name: Type.String(), startedOn: Type.String() });
const SignatureBriefSchema = Type.Object({ id: Type.String(), signedAt: Type.String(), method: SignMethodSchema });

/** One agreement one person must sign (or has signed this school year), with its text. */
export const DueItemSchema = Type.Object({
  person: Type.Object({ id: Type.String(), name: Type.String(), isMe: Type.Boolean(), yearGroup: Nullable(Type.String()) }),
  template: Type.Object({ id: Type.String(), key: Type.String(), name: Type.String() }),
  version: VersionWithTextSchema,
  status: SignStatusSchema,
  graceUntil: Nullable(Type.String()),
  signature: Nullable(SignatureBriefSchema),
});
export type DueItem = Static<typeof DueItemSchema>;

/** What I (and, for a parent, my young children) have to sign, and what is signed this school year. */
export const PendingSchema = Type.Object({ pending: Type.Array(DueItemSchema), signed: Type.Array(DueItemSchema) });
export type Pending = Static<typeof PendingSchema>;

/** Who an agreement is for, as stored (read back as it was saved). */
export const AudienceSchema = Type.Object({
  roles: Type.Array(Type.String()),
  groupIds: Type.Array(Type.String()),
  keyStages: Type.Array(Type.String()),
});
export type Audience = Static<typeof AudienceSchema>;

const templateProperties = {
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  audience: AudienceSchema,
  parentMaySign: Type.Boolean(),
  active: Type.Boolean(),
  currentVersion: Nullable(VersionInfoSchema),
  hasUnpublishedChanges: Type.Boolean(),
  updatedAt: Type.String(),
};
/** An agreement in the list: its audience and the version in force. */
export const TemplateSummarySchema = Type.Object(templateProperties);
export type TemplateSummary = Static<typeof TemplateSummarySchema>;
/** One agreement with its draft text and every published version, newest first. */
export const TemplateDetailSchema = Type.Object({ ...templateProperties, body: Type.String(), versions: Type.Array(VersionInfoSchema) });
export type TemplateDetail = Static<typeof TemplateDetailSchema>;

export const TemplatesAnswerSchema = Type.Object({ templates: Type.Array(TemplateSummarySchema) });

/** The settings with the school year they make. */
export const SettingsAnswerSchema = Type.Object({ ...AgreementSettingsSchema.properties, schoolYear: SchoolYearSchema });
export type SettingsAnswer = Static<typeof SettingsAnswerSchema>;

export const PreviewAnswerSchema = Type.Object({ html: Type.String(), textSha256: Type.String() });

/** A signature just made online or recorded from paper. */
export const SignedAnswerSchema = Type.Object({ id: Type.String(), signedAt: Type.String(), personId: Type.String(), versionId: Type.String() });

/** A signed agreement exactly as it was signed (R6.3). */
export const SignedCopySchema = Type.Object({
  id: Type.String(),
  method: SignMethodSchema,
  typedName: Type.String(),
  signedAt: Type.String(),
  textSha256: Type.String(),
  person: Type.Object({ id: Type.String(), name: Nullable(Type.String()) }),
  signedBy: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()) })),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  paper: Nullable(Type.Object({ recordedBy: Nullable(Type.String()), recordedAt: Nullable(Type.String()), location: Nullable(Type.String()) })),
  version: VersionWithTextSchema,
  textMatches: Type.Boolean(),
});
export type SignedCopy = Static<typeof SignedCopySchema>;

const countProperties = { total: Type.Integer(), signed: Type.Integer(), grace: Type.Integer(), unsigned: Type.Integer() };
export const CountsSchema = Type.Object(countProperties);
export type Counts = Static<typeof CountsSchema>;

/** One person and one agreement in the coverage list (R6.5). */
export const CoverageRowSchema = Type.Object({
  person: Type.Object({
    id: Type.String(), name: Type.String(), username: Type.String(), yearGroup: Nullable(Type.String()),
    roles: Type.Array(Type.String()), classes: Type.Array(Type.String()),
  }),
  template: Type.Object({ id: Type.String(), name: Type.String(), parentMaySign: Type.Boolean() }),
  version: Type.Object({ id: Type.String(), number: Type.Integer() }),
  status: SignStatusSchema,
  graceUntil: Nullable(Type.String()),
  signature: Nullable(SignatureBriefSchema),
  lastReminderAt: Nullable(Type.String()),
});
export type CoverageRow = Static<typeof CoverageRowSchema>;

export const CoverageSchema = Type.Object({ schoolYear: SchoolYearSchema, counts: CountsSchema, people: Type.Array(CoverageRowSchema) });
export type Coverage = Static<typeof CoverageSchema>;

/** This school year's campaign: signed and not signed for each published agreement. */
export const CampaignSchema = Type.Object({
  schoolYear: SchoolYearSchema,
  settings: AgreementSettingsSchema,
  audiences: Type.Array(Type.Object({
    template: Type.Object({ id: Type.String(), name: Type.String() }),
    version: Nullable(Type.Object({ id: Type.String(), number: Type.Integer(), publishedAt: Type.String() })),
    ...countProperties,
  })),
  counts: CountsSchema,
});
export type Campaign = Static<typeof CampaignSchema>;

/** Reminders queued, and the people who could not be reached (no e-mail address on record). */
export const RemindersAnswerSchema = Type.Object({
  emails: Type.Integer(),
  people: Type.Integer(),
  unreachable: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), template: Type.String() })),
});
export type RemindersAnswer = Static<typeof RemindersAnswerSchema>;
