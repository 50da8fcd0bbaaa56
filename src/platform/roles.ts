/**
 * The role vocabulary (R1.1): what a person may be, and their plain names. It sits in platform because permissions
 * (permissions.ts) and log-on are defined over it; the directory module, which gives people their roles, re-exports it.
 */

/** R1.1: the roles a person may hold; a person may hold several. `administrator` is the system role (R1.5). */
export const ROLES = [
  'administrator',
  'headteacher',
  'slt',
  'online_safety_lead',
  'dsl',
  'deputy_dsl',
  'network_manager',
  'teacher',
  'support_staff',
  'governor',
  'online_safety_governor',
  'dpo',
  'pupil',
  'parent',
  'volunteer',
  'community_user',
  'guest',
] as const;
export type Role = (typeof ROLES)[number];

/** Plain names shown to people (UI, CLI, errors). */
export const ROLE_LABELS: Record<Role, string> = {
  administrator: 'Administrator',
  headteacher: 'Headteacher',
  slt: 'Senior Leadership Team',
  online_safety_lead: 'Online Safety Lead',
  dsl: 'Designated Safeguarding Lead',
  deputy_dsl: 'Deputy Designated Safeguarding Lead',
  network_manager: 'Network Manager / Technician',
  teacher: 'Teacher',
  support_staff: 'Support staff',
  governor: 'Governor',
  online_safety_governor: 'Online Safety Governor',
  dpo: 'Data Protection Officer',
  pupil: 'Pupil',
  parent: 'Parent/Carer',
  volunteer: 'Volunteer',
  community_user: 'Community user',
  guest: 'Guest/Visitor',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
