/**
 * Who is asking, for route handlers: the audit actor, the signed-in person, and whether they hold a permission.
 * (platform/http.ts sets `req.user` in its one permission hook, before any handler runs.)
 */
import type { FastifyRequest } from 'fastify';
import type { CurrentUser } from './auth/service.ts';
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
