/** What the agreements API sends (src/agreements/routes.ts): the server's own schema types (src/agreements/schemas.ts). */
import type {
  Audience, Campaign, Counts, Coverage, CoverageRow, DueItem, Pending, SettingsAnswer, SignedCopy, TemplateDetail, TemplateSummary, VersionInfo,
} from '../../../src/agreements/schemas.ts';

export type { Audience, Campaign, Counts, Coverage, CoverageRow, DueItem, Pending, SignedCopy, TemplateDetail, TemplateSummary, VersionInfo };

/** GET /api/agreements/settings: the settings with the school year they make. */
export type Settings = SettingsAnswer;

export const STATUS_LABEL: Record<DueItem['status'], string> = { signed: 'Signed', grace: 'Not signed yet (grace period)', unsigned: 'Not signed' };
export const STATUS_COLOUR: Record<DueItem['status'], string> = { signed: 'green.9', grace: 'yellow.9', unsigned: 'red.9' };
