/**
 * Who is asking, for route handlers: the audit actor, the signed-in person, and whether they hold a permission.
 * (platform/http.ts sets `req.user` in its one permission hook, before any handler runs.)
 */
import type { FastifyRequest } from 'fastify';
import type { CurrentUser } from './auth/service.ts';
import type { AppDeps, ServiceContext } from './context.ts';
import { AppError } from './errors.ts';
import { permissionsOf, type Permission } from './permissions.ts';

/** The audit actor for the person making a request. */
export function actorOf(req: FastifyRequest) {
  const u = req.user;
  return { id: u?.person.id ?? null, label: u?.person.username ?? 'anonymous', ip: req.ip, schoolId: u?.person.schoolId ?? null };
}

export function requireUser(req: FastifyRequest): CurrentUser {
  if (!req.user) throw new AppError(401, 'not_signed_in', 'Please log in to continue.');
  return req.user;
}

export function userCan(req: FastifyRequest, permission: Permission): boolean {
  return Boolean(req.user && permissionsOf(req.user.person.roles).has(permission));
}

/**
 * What a service needs to act for the signed-in person: the database, the clock, and who is acting for which school
 * (the audit actor). Every module's routes build it this way; a request with nobody signed in gets "please log in".
 */
export function serviceContextOf(deps: Pick<AppDeps, 'db' | 'clock'>, req: FastifyRequest): ServiceContext {
  const user = requireUser(req);
  return { db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: user.person.schoolId } };
}
