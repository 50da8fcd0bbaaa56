/** Shapes of the API answers the UI reads: the server's own schema types (issue 12), imported as types only. */
import type { Permission } from '../../../src/platform/permissions.ts';

export type { Permission };

export type { LoginAnswer, Me } from '../../../src/platform/auth/schemas.ts';

export type { AccountStatus, DirectoryReport, Group, LinkedPerson, PersonDetail, PersonSummary } from '../../../src/directory/schemas.ts';
