/**
 * Roles → permissions, in one table. Every API route declares one permission (or `public` / `signed_in`), and one
 * hook (platform/http.ts) enforces it. Record-level rules (a pupil's own data, restricted incidents) live in services.
 */
import type { Role } from './roles.ts';

export const PERMISSIONS = {
  'people.read': 'See people, their roles and groups, and search the directory',
  'people.write': 'Add and change people and their group memberships',
  'people.contact': 'See the personal e-mail addresses of parents, carers, volunteers, governors and visitors (staff and pupils\' school addresses need only people.read)',
  'people.import': 'Import people from the school information system (CSV or OneRoster)',
  'accounts.manage': 'Reset passwords, unlock accounts and reset two-step verification',
  'roles.manage': 'Give and take away roles, including administrator',
  'groups.read': 'See groups and who is in them',
  'groups.write': 'Create and change groups',
  'reports.read': 'Read summary reports for leaders and governors (no personal details)',
  'audit.read': 'Read and verify the audit log',
  'filtering.read': 'See filtering policies, list sources and the filter change log, and test why a site is allowed or blocked',
  'filtering.manage': 'Change filtering policies and list sources (every change is logged with a reason)',
  'identity.manage': 'Manage address ranges, devices, web log-on sessions and how the proxy identifies people',
  'activity.read': 'See internet activity: sites visited, blocked attempts and searches',
  'alerts.read': 'See safeguarding alerts raised by internet monitoring, with their evidence',
  'alerts.manage': 'Acknowledge, dismiss or escalate monitoring alerts',
  'monitoring.manage': 'Change the phrase lists and alert rules that monitoring uses',
  'incidents.read': 'See e-safety incidents that are not restricted (restricted safeguarding records need the DSL\'s grant)',
  'incidents.manage': 'Triage and manage e-safety incidents: steps, people involved, evidence and outcome',
  'incidents.safeguarding': 'Read and manage restricted safeguarding incidents, and grant others access to them',
  'sanctions.manage': 'Change the school\'s sanctions matrix for pupils and staff',
  'agreements.read': 'See who has and has not signed their Acceptable Use Agreement',
  'agreements.manage': 'Write and publish Acceptable Use Agreements, record paper signatures and send reminders',
  'consents.check': 'Check whether a pupil\'s photo or video may be used for a purpose',
  'consents.manage': 'Record media consents given on paper and see the history of a pupil\'s consents',
} as const;
export type Permission = keyof typeof PERMISSIONS;

/** What a route may declare: a permission, `signed_in` (any logged-in person) or `public` (no log-in). */
/**
 * What a route needs: a permission, any signed-in person, nobody ('public'), or a filter node's token
 * ('filter_node': no person at all; the route itself checks the bearer token, see src/filternode/routes.ts).
 */
export type RouteAccess = Permission | 'signed_in' | 'public' | 'filter_node';

const ALL = Object.keys(PERMISSIONS) as Permission[];
/** R5.6: restricted safeguarding records are for the DSL, deputies and those they grant, not the system administrator. */
const ADMINISTRATOR = ALL.filter((p) => p !== 'incidents.safeguarding');
const SAFEGUARDING: Permission[] = [
  'alerts.read', 'alerts.manage', 'monitoring.manage', 'incidents.read', 'incidents.manage', 'incidents.safeguarding',
  'sanctions.manage', 'agreements.read', 'consents.check', 'consents.manage',
];
const LEADERSHIP: Permission[] = ['people.read', 'groups.read', 'reports.read', 'filtering.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  administrator: ADMINISTRATOR,
  headteacher: [
    ...LEADERSHIP, 'people.contact', 'people.write', 'groups.write', 'audit.read', 'activity.read', 'incidents.read', 'incidents.manage',
    'sanctions.manage', 'agreements.read', 'agreements.manage', 'consents.check', 'consents.manage',
  ],
  slt: [...LEADERSHIP, 'incidents.read', 'agreements.read', 'consents.check'],
  online_safety_lead: [
    ...LEADERSHIP, 'groups.write', 'filtering.manage', 'activity.read', 'alerts.read', 'alerts.manage', 'monitoring.manage',
    'incidents.read', 'incidents.manage', 'sanctions.manage', 'agreements.read', 'agreements.manage', 'consents.check',
  ],
  // R4.1: activity logs are for safeguarding and network staff; never pupils, parents, teachers or governors.
  // The DSL and deputies contact families about concerns (issue 13: contact details only for roles that need them).
  dsl: [...LEADERSHIP, 'people.contact', 'activity.read', ...SAFEGUARDING],
  deputy_dsl: [...LEADERSHIP, 'people.contact', 'activity.read', ...SAFEGUARDING],
  // consents.check: the technician often publishes to the school website, and (issue 11) manages the accounts of
  // teachers and support staff only while holding every right their roles carry.
  network_manager: [
    'people.read', 'people.write', 'people.import', 'accounts.manage', 'groups.read', 'groups.write', 'filtering.read',
    'filtering.manage', 'identity.manage', 'activity.read', 'agreements.read', 'consents.check',
  ],
  // Teachers print their class's list of who has not signed, and check consent before using a photo (R6.5, R7.3).
  teacher: ['people.read', 'groups.read', 'filtering.read', 'agreements.read', 'consents.check'],
  // The office: support staff keep families' contact details. Teachers see only their own classes' parents' addresses
  // (src/directory/service.ts contactsVisibleTo).
  support_staff: ['people.read', 'people.contact', 'groups.read', 'consents.check'],
  governor: ['reports.read'],
  // R3.2: the Online Safety Governor reviews the filter change log.
  online_safety_governor: ['reports.read', 'filtering.read'],
  dpo: ['people.read', 'people.contact', 'groups.read', 'reports.read', 'audit.read'],
  pupil: [],
  parent: [],
  volunteer: [],
  community_user: [],
  guest: [],
};

/**
 * Permissions that read safeguarding data: pupils' internet activity, monitoring alerts and incident records. A role
 * holding any of them needs two-step verification completed in the session before anything else (R1.6; issue 11).
 */
export const SAFEGUARDING_READ: readonly Permission[] = ['activity.read', 'alerts.read', 'incidents.read', 'incidents.safeguarding'];

/** Roles whose sessions must complete two-step verification: those that read safeguarding data or give out roles. */
export const MFA_REQUIRED_ROLES: readonly Role[] = (Object.keys(ROLE_PERMISSIONS) as Role[])
  .filter((r) => ROLE_PERMISSIONS[r].some((p) => SAFEGUARDING_READ.includes(p) || p === 'roles.manage'));

export function mfaRequiredFor(roles: readonly string[]): boolean {
  return roles.some((r) => (MFA_REQUIRED_ROLES as readonly string[]).includes(r));
}

/**
 * Who is acting: the rights of a signed-in person, or 'system' for Osprey's own authority — a command run on the
 * Osprey server (whoever can run commands there already holds the database and the installation secret; every command
 * is audited as the command line) or a step another rule has already authorised (a safeguarding step that disables
 * an instigator's account).
 */
export type Authority = ReadonlySet<Permission> | 'system';

/** The rights the roles carry that the authority does not hold (empty: the authority covers them). */
export function rightsLacking(authority: Authority, roles: readonly string[]): Permission[] {
  if (authority === 'system') return [];
  return [...permissionsOf(roles)].filter((p) => !authority.has(p));
}

export function holds(authority: Authority, permission: Permission): boolean {
  return authority === 'system' || authority.has(permission);
}

/** Staff roles, for the password rotation period (R1.5). */
export const STAFF_ROLES: readonly Role[] = [
  'administrator', 'headteacher', 'slt', 'online_safety_lead', 'dsl', 'deputy_dsl', 'network_manager', 'teacher', 'support_staff', 'dpo',
];

export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r as Role] ?? []) out.add(p);
  return out;
}

export function canAccess(roles: readonly string[], access: RouteAccess): boolean {
  if (access === 'public' || access === 'signed_in') return true;
  if (access === 'filter_node') return false;
  return permissionsOf(roles).has(access);
}
