/**
 * The directory API's payloads, one schema each (issue 12): people, accounts, groups, the MIS import and the
 * directory report. Fastify validates requests and writes answers by them, the OpenAPI document shows them, and their
 * TypeScript types (`Static<typeof …>`) are what the routes and the web interface use.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from '../platform/schemas.ts';
import { GROUP_KINDS, ROLES, YEAR_GROUPS, type YearGroup } from './types.ts';

const Uuid = Type.String({ format: 'uuid' });

/**
 * A year group or null, as `{ type: ['string', 'null'], enum: [...YEAR_GROUPS, null] }`. Not `Nullable(Type.Enum(…))`:
 * with type coercion on, the null branch of a union would turn "", 0 and false into null instead of refusing them.
 */
const YearGroupOrNull = Type.Unsafe<YearGroup | null>({ type: ['string', 'null'], enum: [...YEAR_GROUPS, null] });

export const PersonStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('leaver'), Type.Literal('disabled')]);

/** One person in a list or on their page. */
export const PersonSummarySchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  givenName: Type.String(),
  familyName: Type.String(),
  email: Nullable(Type.String()),
  yearGroup: Nullable(Type.String()),
  externalId: Nullable(Type.String()),
  status: PersonStatusSchema,
  leftAt: Nullable(Type.String()),
  source: Type.String(),
  roles: Type.Array(Type.String()),
  /** 'class_logon': a shared log-on for a KS1-or-younger class (R1.3). */
  kind: Type.Union([Type.Literal('individual'), Type.Literal('class_logon')]),
  /**
   * True when the person has an e-mail address the reader may not see (a parent's, say, to someone who is not the
   * office, a safeguarding lead or one of their children's teachers); `email` is then null.
   */
  emailHidden: Type.Optional(Type.Boolean()),
});
export type PersonSummary = Static<typeof PersonSummarySchema>;

export const PeopleQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  group: Type.Optional(Uuid),
  role: Type.Optional(Type.Enum(ROLES)),
  status: Type.Union([Type.Literal('active'), Type.Literal('leaver'), Type.Literal('disabled'), Type.Literal('all')], { default: 'active' }),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
}, { additionalProperties: false });

export const PeoplePageSchema = Type.Object({ total: Type.Integer(), people: Type.Array(PersonSummarySchema) });
export type PeoplePage = Static<typeof PeoplePageSchema>;

/** A parent, carer or child linked to a person. */
export const LinkedPersonSchema = Type.Object({
  id: Type.String(),
  givenName: Type.String(),
  familyName: Type.String(),
  yearGroup: Nullable(Type.String()),
});
export type LinkedPerson = Static<typeof LinkedPersonSchema>;

/** A person's log-on account, for those who manage accounts. */
export const AccountStatusSchema = Type.Object({
  canLogIn: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  locked: Type.Boolean(),
  lastLoginAt: Nullable(Type.String()),
  mfaEnrolled: Type.Boolean(),
});
export type AccountStatus = Static<typeof AccountStatusSchema>;

export const PersonDetailSchema = Type.Object({
  person: PersonSummarySchema,
  groups: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), name: Type.String() })),
  parents: Type.Array(LinkedPersonSchema),
  children: Type.Array(LinkedPersonSchema),
  /** Null unless the reader may manage accounts. */
  account: Nullable(AccountStatusSchema),
});
export type PersonDetail = Static<typeof PersonDetailSchema>;

const personInput = {
  username: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' }),
  givenName: Type.String({ minLength: 1, maxLength: 100 }),
  familyName: Type.String({ minLength: 1, maxLength: 100 }),
  email: Nullable(Type.String({ maxLength: 200 })),
  yearGroup: YearGroupOrNull,
  externalId: Nullable(Type.String({ maxLength: 100 })),
};

/** A person added by hand. */
export const NewPersonSchema = Type.Object({
  username: personInput.username,
  givenName: personInput.givenName,
  familyName: personInput.familyName,
  email: Type.Optional(personInput.email),
  yearGroup: Type.Optional(personInput.yearGroup),
  externalId: Type.Optional(personInput.externalId),
  roles: Type.Array(Type.String(), { minItems: 1, maxItems: 20 }),
}, { additionalProperties: false });
export type NewPerson = Static<typeof NewPersonSchema>;

/** Changes to a person's details, or marking them as a leaver: at least one field. */
export const PersonChangesSchema = Type.Object({
  username: Type.Optional(personInput.username),
  givenName: Type.Optional(personInput.givenName),
  familyName: Type.Optional(personInput.familyName),
  email: Type.Optional(personInput.email),
  yearGroup: Type.Optional(personInput.yearGroup),
  externalId: Type.Optional(personInput.externalId),
  status: Type.Optional(PersonStatusSchema),
}, { additionalProperties: false, minProperties: 1 });
export type PersonChanges = Static<typeof PersonChangesSchema>;

export const RolesBodySchema = Type.Object({
  roles: Type.Array(Type.Enum(ROLES), { maxItems: 20 }),
}, { additionalProperties: false });

export const CreatedAnswer = Type.Object({ id: Type.String() });

export const TemporaryPasswordAnswer = Type.Object({ temporaryPassword: Type.String() });

/** A group with how many people are in it. */
export const GroupSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  description: Type.String(),
  memberCount: Type.Integer(),
});
export type Group = Static<typeof GroupSchema>;

export const GroupsQuery = Type.Object({ kind: Type.Optional(Type.Enum(GROUP_KINDS)) }, { additionalProperties: false });

export const NewGroupSchema = Type.Object({
  kind: Type.Enum(GROUP_KINDS),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

/** People to add to a group and to take out of it (each defaults to none). */
export const MembersChangeSchema = Type.Object({
  add: Type.Array(Uuid, { maxItems: 5000, default: [] }),
  remove: Type.Array(Uuid, { maxItems: 5000, default: [] }),
}, { additionalProperties: false });

export const ClassLogonAnswer = Type.Object({ id: Type.String(), username: Type.String() });

export const ImportRequestSchema = Type.Object({
  /** File name → content: one CSV file, or the files of a OneRoster 1.1 CSV set. */
  files: Type.Record(Type.String(), Type.String(), { minProperties: 1, maxProperties: 12 }),
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('oneroster')])),
  dryRun: Type.Boolean({ default: true }),
  skipInvalid: Type.Boolean({ default: false }),
  markLeavers: Type.Boolean({ default: true }),
}, { additionalProperties: false });

/** A problem with one row of an import file. */
export const ImportProblemSchema = Type.Object({ file: Type.String(), line: Type.Integer(), message: Type.String() });

/** What an import would do (a dry run) or did. */
export const ImportPlanSchema = Type.Object({
  added: Type.Array(Type.Object({ externalId: Type.String(), username: Type.String(), name: Type.String(), roles: Type.Array(Type.String()), line: Type.Integer() })),
  changed: Type.Array(Type.Object({
    personId: Type.String(), externalId: Type.String(), username: Type.String(), name: Type.String(), line: Type.Integer(),
    changes: Type.Array(Type.Object({ field: Type.String(), from: Type.String(), to: Type.String() })),
  })),
  leavers: Type.Array(Type.Object({ personId: Type.String(), externalId: Type.String(), username: Type.String(), name: Type.String() })),
  unchanged: Type.Integer(),
  problems: Type.Array(ImportProblemSchema),
  /** Set when leavers were not worked out, and why. */
  leaversNote: Type.Optional(Type.String()),
});
export type ImportPlan = Static<typeof ImportPlanSchema>;

export const ImportOutcomeSchema = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('oneroster')]),
  plan: ImportPlanSchema,
  /** Null for a dry run, or when rows had problems and the import was not told to skip them. */
  applied: Nullable(Type.Object({ added: Type.Integer(), changed: Type.Integer(), leavers: Type.Integer(), unchanged: Type.Integer(), skipped: Type.Integer() })),
});
export type ImportOutcome = Static<typeof ImportOutcomeSchema>;

/** Numbers for leaders and governors, the roles register and known risks (R9.2). */
export const DirectoryReportSchema = Type.Object({
  roles: Type.Array(Type.Object({ role: Type.String(), label: Type.String(), count: Type.Integer() })),
  keyStages: Type.Array(Type.Object({ name: Type.String(), count: Type.Integer() })),
  rolesRegister: Type.Array(Type.Object({ role: Type.String(), label: Type.String(), name: Type.String() })),
  leavers: Type.Integer(),
  risks: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type DirectoryReport = Static<typeof DirectoryReportSchema>;
