/** What the agreements API sends (src/agreements/routes.ts). */
export interface VersionInfo { id: string; number: number; title: string; textSha256: string; publishedAt: string }

export interface DueItem {
  person: { id: string; name: string; isMe: boolean; yearGroup: string | null };
  template: { id: string; key: string; name: string };
  version: VersionInfo & { html: string };
  status: 'signed' | 'grace' | 'unsigned';
  graceUntil: string | null;
  signature: { id: string; signedAt: string; method: 'online' | 'parent' | 'paper' } | null;
}

export interface Pending { pending: DueItem[]; signed: DueItem[] }

export interface Audience { roles: string[]; groupIds: string[]; keyStages: string[] }

export interface TemplateSummary {
  id: string; key: string; name: string; audience: Audience; parentMaySign: boolean; active: boolean;
  currentVersion: VersionInfo | null; hasUnpublishedChanges: boolean; updatedAt: string;
}

export interface TemplateDetail extends TemplateSummary { body: string; versions: VersionInfo[] }

export interface Settings {
  yearStarts: string; gating: boolean; joinerGraceDays: number; versionGraceDays: number; yearGraceDays: number;
  schoolYear?: { name: string; startedOn: string };
}

export interface Counts { total: number; signed: number; grace: number; unsigned: number }

export interface Campaign {
  schoolYear: { name: string; startedOn: string };
  settings: Settings;
  audiences: (Counts & { template: { id: string; name: string }; version: { id: string; number: number; publishedAt: string } | null })[];
  counts: Counts;
}

export interface CoverageRow {
  person: { id: string; name: string; username: string; yearGroup: string | null; roles: string[]; classes: string[] };
  template: { id: string; name: string; parentMaySign: boolean };
  version: { id: string; number: number };
  status: 'signed' | 'grace' | 'unsigned';
  graceUntil: string | null;
  signature: { id: string; signedAt: string; method: string } | null;
  lastReminderAt: string | null;
}

export interface Coverage { schoolYear: { name: string; startedOn: string }; counts: Counts; people: CoverageRow[] }

export interface SignedCopy {
  id: string; method: 'online' | 'parent' | 'paper'; typedName: string; signedAt: string; textSha256: string;
  person: { id: string; name: string | null }; signedBy: { id: string; name: string | null } | null;
  ip: string | null; userAgent: string | null;
  paper: { recordedBy: string | null; recordedAt: string | null; location: string | null } | null;
  version: VersionInfo & { html: string };
  textMatches: boolean;
}

export const STATUS_LABEL: Record<DueItem['status'], string> = { signed: 'Signed', grace: 'Not signed yet (grace period)', unsigned: 'Not signed' };
export const STATUS_COLOUR: Record<DueItem['status'], string> = { signed: 'green.9', grace: 'yellow.9', unsigned: 'red.9' };
