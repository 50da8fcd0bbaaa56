/** Shapes of the API answers the UI reads. */
import type { Permission } from '../../../src/platform/permissions.ts';

export type { Permission };

export interface Me {
  person: { id: string; username: string; givenName: string; familyName: string; roles: string[]; roleLabels: string[] };
  school: { id: string; name: string };
  permissions: Permission[];
  csrfToken: string;
  mustChangePassword: boolean;
  mfa: { enrolled: boolean; required: boolean; verified: boolean };
}

export type LoginAnswer = { status: 'ok'; me: Me } | { status: 'mfa_required' };

export interface PersonSummary {
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  email: string | null;
  yearGroup: string | null;
  externalId: string | null;
  status: 'active' | 'leaver' | 'disabled';
  leftAt: string | null;
  source: string;
  roles: string[];
}

export interface Group { id: string; kind: string; name: string; description?: string; memberCount: number }

export interface LinkedPerson { id: string; givenName: string; familyName: string; yearGroup: string | null }

export interface AccountStatus { canLogIn: boolean; mustChangePassword: boolean; locked: boolean; lastLoginAt: string | null; mfaEnrolled: boolean }

export interface PersonDetail {
  person: PersonSummary;
  groups: { id: string; kind: string; name: string }[];
  parents: LinkedPerson[];
  children: LinkedPerson[];
  account: AccountStatus | null;
}

export interface DirectoryReport {
  roles: { role: string; label: string; count: number }[];
  keyStages: { name: string; count: number }[];
  rolesRegister: { role: string; label: string; name: string }[];
  leavers: number;
}
