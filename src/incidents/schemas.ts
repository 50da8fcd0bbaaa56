/**
 * The incident API's payloads, one schema each (issue 12): Fastify validates requests and writes answers by them, the
 * OpenAPI document shows them, and their TypeScript types (`Static<typeof …>`) are what the routes and the web
 * interface (ui/src/incidents/types.ts) use. The answers describe what the services return (service.ts, triage-service.ts,
 * sanctions.ts, chronology.ts, evidence.ts, retention.ts, dashboard.ts): an answer's schema lists every field.
 */
import { Type, type Static } from 'typebox';
import { Nullable } from '../platform/schemas.ts';

const Uuid = Type.String({ format: 'uuid' });
const Text = (maxLength: number) => Type.String({ maxLength });
/** A string-keyed map of strings (triage answers). */
const StringMap = Type.Record(Type.String(), Type.String());

// ---------------------------------------------------------------------------------------------------------------
// Words the record uses.

export const StatusSchema = Type.Union([Type.Literal('open'), Type.Literal('investigating'), Type.Literal('closed')]);
export type Status = Static<typeof StatusSchema>;
export const PersonKindSchema = Type.Union([Type.Literal('pupil'), Type.Literal('staff'), Type.Literal('parent'), Type.Literal('other')]);
export type PersonKind = Static<typeof PersonKindSchema>;
export const PersonPartSchema = Type.Union([Type.Literal('victim'), Type.Literal('instigator'), Type.Literal('witness')]);
export type PersonPart = Static<typeof PersonPartSchema>;
export const LocationSchema = Type.Union([Type.Literal('in_school'), Type.Literal('out_of_school'), Type.Literal('unknown')]);
export const ClassificationSchema = Type.Union([Type.Literal('restricted'), Type.Literal('general')]);
export const AudienceSchema = Type.Union([Type.Literal('pupil'), Type.Literal('staff')]);
const ResponseUseSchema = Type.Union([Type.Literal('always'), Type.Literal('repeat')]);

/** A person involved, as the record holds them. */
export const InvolvedPersonSchema = Type.Object({
  personId: Nullable(Type.String()),
  name: Type.String(),
  kind: PersonKindSchema,
  part: PersonPartSchema,
});
export type InvolvedPerson = Static<typeof InvolvedPersonSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Path parameters and queries.

export const IncidentStepParams = Type.Object({ id: Uuid, key: Type.String({ maxLength: 60 }) });
export const GrantParams = Type.Object({ id: Uuid, personId: Uuid });
export const AudienceParams = Type.Object({ audience: AudienceSchema });
export const EvidenceItemParams = Type.Object({ id: Uuid, evidenceId: Uuid });

export const IncidentListQuery = Type.Object({ status: Type.Optional(StatusSchema) }, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------------------------
// Requests.

/** A person involved, as a form sends them: pupils and staff by id, others by name (or with an id too). */
export const PersonInvolvedInputSchema = Type.Object({
  personId: Type.Optional(Nullable(Uuid)),
  name: Type.Optional(Text(200)),
  kind: PersonKindSchema,
  part: PersonPartSchema,
}, { additionalProperties: false });

const fields = {
  occurredAt: Type.String({ minLength: 1, maxLength: 40 }),
  description: Text(20000),
  category: Text(60),
  actionTaken: Type.Optional(Text(5000)),
  actionBy: Type.Optional(Text(200)),
  reportedBy: Type.Optional(Text(200)),
  location: Type.Optional(LocationSchema),
  devices: Type.Optional(Type.Array(Text(200), { maxItems: 50 })),
  urls: Type.Optional(Type.Array(Text(2000), { maxItems: 100 })),
  outcome: Type.Optional(Text(10000)),
  classification: Type.Optional(ClassificationSchema),
  people: Type.Optional(Type.Array(PersonInvolvedInputSchema, { maxItems: 50 })),
};

/** A new concern (POST /api/incidents). */
export const ReportBody = Type.Object({ ...fields, anonymous: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type ReportRequest = Static<typeof ReportBody>;

/** The whole record as it should now read, and why (PUT /api/incidents/:id). */
export const AmendBody = Type.Object({ ...fields, reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
export type AmendRequest = Static<typeof AmendBody>;

export const StatusBody = Type.Object({
  status: StatusSchema,
  outcome: Type.Optional(Text(10000)),
  note: Type.Optional(Text(1000)),
}, { additionalProperties: false });

export const InvestigationBody = Type.Object({
  investigatorIds: Type.Array(Uuid, { maxItems: 10 }),
  investigationDevice: Text(200),
}, { additionalProperties: false });

export const TriageBody = Type.Object({
  answers: Type.Record(Type.String(), Text(40)),
  sanctionType: Type.Optional(Nullable(Text(60))),
}, { additionalProperties: false });

export const StepBody = Type.Object({
  action: Type.Union([Type.Literal('complete'), Type.Literal('skip'), Type.Literal('reopen')]),
  note: Type.Optional(Text(2000)),
  personIds: Type.Optional(Type.Array(Uuid, { maxItems: 20 })),
}, { additionalProperties: false });

export const GrantBody = Type.Object({ personId: Uuid, reason: Text(500) }, { additionalProperties: false });

/** A row of the sanctions matrix as the editor sends it (without a key, one is made from the label). */
export const SanctionRowInputSchema = Type.Object({
  key: Type.Optional(Text(60)),
  label: Type.String({ minLength: 1, maxLength: 300 }),
  responses: Type.Record(Type.String(), ResponseUseSchema),
}, { additionalProperties: false });

export const SanctionsBody = Type.Object({
  rows: Type.Optional(Type.Array(SanctionRowInputSchema, { minItems: 1, maxItems: 100 })),
  reset: Type.Optional(Type.Literal(true)),
}, { additionalProperties: false });

/** Escalating a monitoring alert into an incident (POST /api/alerts/:id/escalate); every field has a default. */
export const EscalateBody = Type.Object({
  category: Type.Optional(Text(60)),
  description: Type.Optional(Text(20000)),
  part: Type.Optional(PersonPartSchema),
}, { additionalProperties: false });

/** A file added as evidence: its details in the query, its bytes as the body (application/octet-stream). */
export const EvidenceFileQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  type: Type.Optional(Text(100)),
  note: Type.Optional(Text(2000)),
  device: Type.Optional(Text(200)),
}, { additionalProperties: false });

/** The file's bytes; any other body is refused (415) by the route. */
export const EvidenceFileBody = Type.Unknown({ description: 'The file\'s bytes, sent as application/octet-stream' });

export const EvidenceUrlBody = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 4000 }),
  note: Type.Optional(Text(2000)),
  device: Type.Optional(Text(200)),
}, { additionalProperties: false });

export const EvidenceContentQuery = Type.Object({ download: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export const RetentionBasisSchema = Type.Union([Type.Literal('child_protection'), Type.Literal('staff_allegation'), Type.Literal('general')]);
export type RetentionBasis = Static<typeof RetentionBasisSchema>;

export const RetentionBody = Type.Object({
  basis: RetentionBasisSchema,
  dateOfBirth: Type.Optional(Nullable(Type.String({ maxLength: 10 }))),
  reason: Type.Optional(Text(1000)),
}, { additionalProperties: false });

export const LegalHoldBody = Type.Object({
  action: Type.Union([Type.Literal('set'), Type.Literal('release')]),
  reason: Text(1000),
}, { additionalProperties: false });

export const DashboardQuery = Type.Object({ months: Type.Optional(Type.Integer({ minimum: 1, maximum: 36 })) }, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------------------------
// Answers: the forms' reference data.

const KeyLabel = Type.Object({ key: Type.String(), label: Type.String() });

/** A kind of incident (categories.ts). */
export const CategorySchema = Type.Object({
  key: Type.String(),
  label: Type.String(),
  illegal: Type.Boolean(),
  /** The sanctions-matrix rows that usually fit. */
  pupilSanction: Type.Optional(Type.String()),
  staffSanction: Type.Optional(Type.String()),
});
export type Category = Static<typeof CategorySchema>;

/** A triage question (triage.ts), asked only when `askWhen` holds. */
export const TriageQuestionSchema = Type.Object({
  key: Type.String(),
  text: Type.String(),
  help: Type.String(),
  options: Type.Array(Type.Object({ value: Type.String(), label: Type.String() })),
  askWhen: Type.Optional(Type.Object({ all: Type.Array(Type.Object({ question: Type.String(), in: Type.Array(Type.String()) })) })),
});
export type TriageQuestion = Static<typeof TriageQuestionSchema>;

export const ReferenceSchema = Type.Object({
  categories: Type.Array(CategorySchema),
  triage: Type.Object({ questions: Type.Array(TriageQuestionSchema), branches: Type.Array(KeyLabel) }),
  statuses: Type.Object({ open: Type.String(), investigating: Type.String(), closed: Type.String() }),
  sanctionResponses: Type.Object({ pupil: Type.Array(KeyLabel), staff: Type.Array(KeyLabel) }),
});
export type Reference = Static<typeof ReferenceSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Answers: incidents.

/** One line of the incident list. */
export const IncidentSummarySchema = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  occurredAt: Type.String(),
  createdAt: Type.String(),
  category: Type.String(),
  categoryLabel: Type.String(),
  illegal: Type.Boolean(),
  status: StatusSchema,
  classification: ClassificationSchema,
  description: Type.String(),
  people: Type.Array(InvolvedPersonSchema),
  reporterKind: Type.String(),
});
export type IncidentSummary = Static<typeof IncidentSummarySchema>;

/** What a reporter sees of their own report: their words and where it has got to. */
const myReportProperties = {
  id: Type.String(),
  reference: Type.String(),
  reportedAt: Type.String(),
  occurredAt: Type.String(),
  whatYouReported: Type.String(),
  status: StatusSchema,
  statusLabel: Type.String(),
  anonymous: Type.Boolean(),
};
export const MyReportSchema = Type.Object(myReportProperties);
export type MyReport = Static<typeof MyReportSchema>;

export const ReportedSchema = Type.Object({ id: Type.String(), reference: Type.String() });

/** One version of the record. */
export const VersionViewSchema = Type.Object({
  version: Type.Integer(),
  at: Type.String(),
  by: Type.String(),
  changeNote: Type.String(),
  occurredAt: Type.String(),
  description: Type.String(),
  actionTaken: Type.String(),
  actionBy: Type.String(),
  reportedBy: Type.String(),
  category: Type.String(),
  categoryLabel: Type.String(),
  illegal: Type.Boolean(),
  location: LocationSchema,
  devices: Type.Array(Type.String()),
  urls: Type.Array(Type.String()),
  status: StatusSchema,
  outcome: Type.String(),
  classification: ClassificationSchema,
  investigationDevice: Type.String(),
  people: Type.Array(InvolvedPersonSchema),
  investigators: Type.Array(Type.String()),
  triage: StringMap,
  sanctionType: Nullable(Type.String()),
});
export type VersionView = Static<typeof VersionViewSchema>;

/** A step of the checklist: 'open', 'completed', 'skipped' or 'withdrawn' (no longer needed). */
export const StepViewSchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  branch: Type.String(),
  label: Type.String(),
  guidance: Type.String(),
  who: Type.String(),
  required: Type.Boolean(),
  state: Type.String(),
  note: Type.String(),
  by: Nullable(Type.String()),
  at: Nullable(Type.String()),
});
export type StepView = Static<typeof StepViewSchema>;

/** One piece of a monitoring alert's evidence, kept with the incident it was escalated into. */
export const AlertEvidenceSchema = Type.Object({
  description: Type.String(),
  url: Type.Optional(Type.String()),
  searchTerm: Type.Optional(Type.String()),
  phrase: Type.Optional(Type.String()),
  score: Type.Optional(Type.Number()),
  eventId: Type.Optional(Type.String()),
  at: Type.String(),
});

/** The full record (R5.6: for those who may see it), with the triage answers the record suggests. */
export const IncidentViewSchema = Type.Object({
  view: Type.Literal('full'),
  id: Type.String(),
  reference: Type.String(),
  createdAt: Type.String(),
  reporter: Type.Object({ kind: Type.String(), anonymous: Type.Boolean(), personId: Nullable(Type.String()) }),
  fromAlert: Nullable(Type.Object({ alertId: Type.String(), summary: Type.String(), evidence: Type.Array(AlertEvidenceSchema) })),
  current: VersionViewSchema,
  versions: Type.Array(VersionViewSchema),
  history: Type.Array(Type.Object({ at: Type.String(), by: Type.String(), action: Type.String(), summary: Type.String() })),
  steps: Type.Array(StepViewSchema),
  investigators: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  /** Who has been given access to a restricted record; only for those who may give it. */
  grants: Nullable(Type.Array(Type.Object({ personId: Type.String(), name: Type.String(), grantedAt: Type.String(), grantedBy: Type.String(), reason: Type.String() }))),
  can: Type.Object({ manage: Type.Boolean(), grant: Type.Boolean() }),
  suggestedTriage: StringMap,
});
export type IncidentView = Static<typeof IncidentViewSchema>;

/** What the person who reported an incident sees of it. */
export const ReporterViewSchema = Type.Object({ view: Type.Literal('reporter'), ...myReportProperties });

/** GET /api/incidents/:id: the full record, or the reporter's view of their own report. */
export const IncidentAnswerSchema = Type.Union([IncidentViewSchema, ReporterViewSchema]);
export type IncidentAnswer = Static<typeof IncidentAnswerSchema>;

export const VersionAnswer = Type.Object({ version: Type.Integer() });
export const StatusAnswer = Type.Object({ version: Type.Integer(), status: StatusSchema });

export const TriageAnswer = Type.Object({
  version: Type.Integer(),
  steps: Type.Array(Type.Object({
    key: Type.String(), label: Type.String(), required: Type.Boolean(),
    state: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('skipped'), Type.Literal('withdrawn')]),
    branch: Type.String(),
  })),
});

/** A step after it was ticked, skipped or reopened; its state is then 'completed', 'skipped' or 'open'. */
export const StepAnswer = Type.Object({
  key: Type.String(),
  state: Type.String(),
  by: Type.String(),
  at: Type.String(),
  note: Type.String(),
});

/** The sanctions the matrix suggests for one instigator (escalated on a repeat). */
export const SuggestionSchema = Type.Object({
  personId: Type.String(),
  name: Type.String(),
  audience: AudienceSchema,
  typeKey: Nullable(Type.String()),
  typeLabel: Nullable(Type.String()),
  repeat: Type.Boolean(),
  earlierIncidents: Type.Array(Type.Object({ reference: Type.String(), occurredAt: Type.String() })),
  responses: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), escalated: Type.Boolean() })),
});
export type Suggestion = Static<typeof SuggestionSchema>;

/** The school's sanctions matrix for pupils or staff. */
export const SanctionRowSchema = Type.Object({ key: Type.String(), label: Type.String(), responses: Type.Record(Type.String(), ResponseUseSchema) });
export const MatrixSchema = Type.Object({
  audience: AudienceSchema,
  responses: Type.Array(KeyLabel),
  rows: Type.Array(SanctionRowSchema),
  isDefault: Type.Boolean(),
});
export type Matrix = Static<typeof MatrixSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Answers: a person's chronology.

/** An incident a person was involved in. */
export const IncidentChronologyEntrySchema = Type.Object({
  kind: Type.Literal('incident'),
  at: Type.String(),
  incidentId: Type.String(),
  reference: Type.String(),
  part: PersonPartSchema,
  personKind: PersonKindSchema,
  category: Type.String(),
  categoryLabel: Type.String(),
  status: StatusSchema,
  classification: ClassificationSchema,
  summary: Type.String(),
});

/** A monitoring alert about the person, sent to the viewer's roles. */
export const AlertChronologyEntrySchema = Type.Object({
  kind: Type.Literal('alert'),
  at: Type.String(),
  alertId: Type.String(),
  summary: Type.String(),
  severity: Type.String(),
  status: Type.String(),
  incidentId: Nullable(Type.String()),
});

export const ChronologyEntrySchema = Type.Union([IncidentChronologyEntrySchema, AlertChronologyEntrySchema]);
export type ChronologyEntry = Static<typeof ChronologyEntrySchema>;

// ---------------------------------------------------------------------------------------------------------------
// Answers: evidence, retention, the dashboard.

/** One piece of evidence with its SHA-256 hash. */
export const EvidenceSchema = Type.Object({
  id: Type.String(),
  incidentId: Type.String(),
  kind: Type.Union([Type.Literal('file'), Type.Literal('url')]),
  sha256: Type.String(),
  sizeBytes: Type.Integer(),
  mediaType: Nullable(Type.String()),
  originalName: Nullable(Type.String()),
  url: Nullable(Type.String()),
  note: Type.String(),
  device: Nullable(Type.String()),
  uploadedBy: Type.String(),
  uploadedAt: Type.String(),
});
export type Evidence = Static<typeof EvidenceSchema>;

export const EvidenceListSchema = Type.Object({
  evidence: Type.Array(EvidenceSchema),
  /** Why nothing can be uploaded to this incident (suspected child abuse images), or null. */
  uploadsRefused: Nullable(Type.String()),
  maxBytes: Type.Integer(),
});
export type EvidenceList = Static<typeof EvidenceListSchema>;

/** How long a record is kept and why (retention.ts). */
export const RetentionScheduleSchema = Type.Object({
  incidentId: Type.String(),
  reference: Type.String(),
  basis: RetentionBasisSchema,
  basisLabel: Type.String(),
  basisSource: Type.Union([Type.Literal('set'), Type.Literal('default')]),
  dateOfBirth: Nullable(Type.String()),
  reviewFrom: Nullable(Type.String()),
  explanation: Type.String(),
  missing: Nullable(Type.String()),
  onHold: Type.Boolean(),
  holdReason: Nullable(Type.String()),
});
export type RetentionSchedule = Static<typeof RetentionScheduleSchema>;

const retentionRecordProperties = {
  schedule: RetentionScheduleSchema,
  basisSetBy: Nullable(Type.Object({ by: Type.String(), at: Type.String(), reason: Type.String() })),
  holds: Type.Array(Type.Object({ action: Type.Union([Type.Literal('set'), Type.Literal('release')]), reason: Type.String(), by: Type.String(), at: Type.String() })),
};
/** A record's schedule and legal holds, as a change answers them. */
export const RetentionRecordSchema = Type.Object(retentionRecordProperties);
/** A record's schedule and legal holds, and whether the reader may change them. */
export const RetentionViewSchema = Type.Object({ ...retentionRecordProperties, canManage: Type.Boolean() });
export type RetentionView = Static<typeof RetentionViewSchema>;

const DueRecordSchema = Type.Object({
  schedule: RetentionScheduleSchema,
  category: Type.String(),
  closed: Type.Boolean(),
  confidentiality: Type.String(),
  hidden: Type.Boolean(),
});
/** Records due for retention review and those missing a date of birth, of those the reader may see. */
export const RetentionDueSchema = Type.Object({
  due: Type.Array(DueRecordSchema),
  needsInformation: Type.Array(DueRecordSchema),
  onHold: Type.Integer(),
  /** Records the reader may not open, counted only. */
  notShown: Type.Integer(),
});
export type RetentionDue = Static<typeof RetentionDueSchema>;

/** The incidents dashboard (R5.7). */
export const DashboardSchema = Type.Object({
  months: Type.Array(Type.String()),
  categories: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), total: Type.Integer(), byMonth: Type.Array(Type.Integer()) })),
  totalsByMonth: Type.Array(Type.Integer()),
  open: Type.Object({ total: Type.Integer(), restricted: Type.Integer(), investigating: Type.Integer() }),
  openItems: Type.Array(Type.Object({
    id: Type.String(), reference: Type.String(), categoryLabel: Type.String(), status: Type.String(), occurredAt: Type.String(), confidentiality: Type.String(),
  })),
  openHidden: Type.Integer(),
  overdueDays: Type.Number(),
  overdueSteps: Type.Array(Type.Object({ incidentId: Type.String(), reference: Type.String(), label: Type.String(), openSince: Type.String(), daysOpen: Type.Integer() })),
  overdueHidden: Type.Integer(),
  dueForReview: Type.Integer(),
});
export type Dashboard = Static<typeof DashboardSchema>;
