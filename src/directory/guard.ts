/**
 * Who may change whose roles and accounts (issue 11, item 1). Two rules, enforced by every path that changes roles or
 * acts on an account (the API, MIS import and the command line):
 *
 * 1. Giving or taking away a role needs `roles.manage` — except that a *new* person may be added with roles that carry
 *    no rights in Osprey (pupil, parent, volunteer, community user, guest) by whoever may add people, as an MIS import
 *    does every night. Nobody changes their own roles.
 * 2. Nobody acts on a person (their details, roles, password, lock or two-step verification) whose roles carry rights
 *    the actor does not hold. The one exception is the first password of someone who has never logged in, which a
 *    holder of `roles.manage` may give (they could appoint anyone to any role anyway; every appointment is audited).
 *
 * The command line on the Osprey server acts with the installation's own authority ('system').
 */
import type { ServiceContext } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import { holds, permissionsOf, PERMISSIONS, rightsLacking, type Authority, type Permission } from '../platform/permissions.ts';
import { ROLE_LABELS, type Role } from './types.ts';

/** A service context that knows what the actor may do. */
export interface DirectoryContext extends ServiceContext { authority: Authority }

/** Roles that carry at least one right in Osprey. */
export function rolesWithRights(roles: readonly Role[]): Role[] {
  return roles.filter((r) => permissionsOf([r]).size > 0);
}

const describeRights = (rights: Permission[]) => {
  const shown = rights.slice(0, 3).map((p) => `“${PERMISSIONS[p].split(/[(,]/)[0].trim().toLowerCase()}”`);
  return shown.join(', ') + (rights.length > 3 ? ` and ${rights.length - 3} more` : '');
};

const nameOf = (p: { givenName: string; familyName: string }) => `${p.givenName} ${p.familyName}`;

/** Why the actor may not act on this person (their roles carry rights the actor lacks), or null. */
export function actingProblem(ctx: DirectoryContext, person: { givenName: string; familyName: string; roles: readonly Role[] }): string | null {
  const lacking = rightsLacking(ctx.authority, person.roles);
  if (lacking.length === 0) return null;
  return `${nameOf(person)}'s roles (${person.roles.map((r) => ROLE_LABELS[r]).join(', ')}) carry rights you do not have, such as ${describeRights(lacking)}`;
}

/** Refuses when the person's roles carry rights the actor lacks. `doing` completes "You cannot … <name>". */
export function assertMayActOn(ctx: DirectoryContext, person: { givenName: string; familyName: string; roles: readonly Role[] }, doing: string): void {
  const problem = actingProblem(ctx, person);
  if (!problem) return;
  throw new AppError(403, 'rights_not_held',
    `You cannot ${doing} ${nameOf(person)}: their ${problem.slice(nameOf(person).length + 3)}. `
    + 'Ask someone who holds all of their rights, or the person who runs the Osprey server (the osprey account commands).');
}

/** Why a change of roles is refused, or null when it is allowed. `target` is null for a new person. */
export function roleChangeProblem(ctx: DirectoryContext, target: { id: string; givenName: string; familyName: string; roles: readonly Role[] } | null, to: readonly Role[]): string | null {
  const from = target?.roles ?? [];
  const same = from.length === new Set(to).size && to.every((r) => from.includes(r));
  if (same) return null;
  if (!target && rolesWithRights(to).length === 0) return null;
  if (!holds(ctx.authority, 'roles.manage')) {
    const given = target ? to.filter((r) => !from.includes(r)) : rolesWithRights(to);
    const what = given.length ? `give the role${given.length === 1 ? '' : 's'} ${given.map((r) => ROLE_LABELS[r]).join(', ')}` : 'take roles away';
    return `you cannot ${what}: giving or taking away roles needs the “give and take away roles” permission, which an administrator has`;
  }
  if (target && ctx.authority !== 'system' && target.id === ctx.actor.id) return 'you cannot change your own roles: ask another administrator';
  const acting = target && actingProblem(ctx, target);
  if (acting) return `${acting}, so you cannot change their roles`;
  return null;
}

export function assertMayChangeRoles(ctx: DirectoryContext, target: Parameters<typeof roleChangeProblem>[1], to: readonly Role[]): void {
  const problem = roleChangeProblem(ctx, target, to);
  if (problem) throw new AppError(403, 'roles_not_allowed', `${problem[0].toUpperCase()}${problem.slice(1)}.`);
}
