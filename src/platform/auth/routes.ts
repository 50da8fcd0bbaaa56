/** HTTP routes for set-up, log-on, passwords and two-step verification. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_LABELS } from '../roles.ts';
import type { AppDeps } from '../context.ts';
import { AppError, errorSchema } from '../errors.ts';
import { actorOf, requireUser } from '../request.ts';
import { permissionsOf } from '../permissions.ts';
import { completeSetup, defaultSchool, setupNeeded } from '../setup.ts';
import { FailureThrottle } from './throttle.ts';
import { changePassword, confirmMfaEnrolment, currentUser, logIn, logOut, startMfaEnrolment, type CurrentUser } from './service.ts';

export const SESSION_COOKIE = 'osprey_session';

const okSchema = { type: 'object', properties: { ok: { type: 'boolean' } } } as const;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema, 423: errorSchema, 429: errorSchema };

const meSchema = {
  type: 'object',
  properties: {
    person: {
      type: 'object',
      properties: {
        id: { type: 'string' }, username: { type: 'string' }, givenName: { type: 'string' }, familyName: { type: 'string' },
        roles: { type: 'array', items: { type: 'string' } }, roleLabels: { type: 'array', items: { type: 'string' } },
      },
    },
    school: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    permissions: { type: 'array', items: { type: 'string' } },
    csrfToken: { type: 'string' },
    mustChangePassword: { type: 'boolean' },
    mfa: { type: 'object', properties: { enrolled: { type: 'boolean' }, required: { type: 'boolean' }, verified: { type: 'boolean' } } },
  },
} as const;

export async function describeUser(deps: AppDeps, user: CurrentUser) {
  const school = await defaultSchool(deps.db);
  return {
    person: {
      id: user.person.id, username: user.person.username, givenName: user.person.givenName, familyName: user.person.familyName,
      roles: user.person.roles, roleLabels: user.person.roles.map((r) => ROLE_LABELS[r]),
    },
    school: school ?? { id: '', name: '' },
    permissions: [...permissionsOf(user.person.roles)],
    csrfToken: user.csrfToken,
    mustChangePassword: user.mustChangePassword,
    mfa: { enrolled: user.mfaEnrolled, required: user.mfaRequired, verified: user.mfaVerified },
  };
}

function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, hours: number) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: hours * 3600,
  });
}

export function authRoutes(deps: AppDeps) {
  const throttle = new FailureThrottle();
  return async function plugin(app: FastifyInstance) {
    app.get('/api/setup/status', {
      config: { access: 'public' },
      schema: { tags: ['set-up'], summary: 'Whether the first administrator still has to be set up', response: { 200: { type: 'object', properties: { needed: { type: 'boolean' } } } } },
    }, async () => ({ needed: await setupNeeded(deps.db) }));

    app.post('/api/setup', {
      config: { access: 'public' },
      schema: {
        tags: ['set-up'], summary: 'Create the school and its first administrator with the one-time set-up link',
        body: {
          type: 'object', additionalProperties: false, required: ['token', 'schoolName', 'givenName', 'familyName', 'username', 'password'],
          properties: {
            token: { type: 'string', maxLength: 200 }, schoolName: { type: 'string', minLength: 1, maxLength: 200 },
            givenName: { type: 'string', maxLength: 100 }, familyName: { type: 'string', maxLength: 100 },
            username: { type: 'string', maxLength: 64 }, email: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 200 },
          },
        },
        response: { 200: okSchema, ...errors },
      },
    }, async (req) => {
      const { token, ...admin } = req.body as { token: string; schoolName: string; givenName: string; familyName: string; username: string; email?: string; password: string };
      await completeSetup(deps.db, deps.clock, deps.people, token, admin, req.ip);
      return { ok: true };
    });

    app.post('/api/auth/login', {
      config: { access: 'public' },
      schema: {
        tags: ['log-on'], summary: 'Log in; answers mfa_required when a two-step code is needed',
        body: {
          type: 'object', additionalProperties: false, required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 200 }, code: { type: 'string', maxLength: 20 } },
        },
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'mfa_required'] }, me: meSchema } }, ...errors },
      },
    }, async (req, reply) => {
      const now = deps.clock.now().getTime();
      const wait = throttle.retryAfter(req.ip, now);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        throw new AppError(429, 'too_many_attempts', `Too many wrong log-on attempts from this device. Wait ${Math.ceil(wait / 60000)} minutes and try again.`);
      }
      const body = req.body as { username: string; password: string; code?: string };
      // Counted as a failure before the password is checked, so guesses sent at the same moment cannot all slip past
      // the limit; taken back when the attempt turns out not to be a wrong password or code.
      throttle.recordFailure(req.ip, now);
      let counted = true;
      const forgive = () => { if (counted) throttle.forgive(req.ip, now); counted = false; };
      try {
        const result = await logIn(deps, { ...body, ip: req.ip, userAgent: req.headers['user-agent'] });
        forgive();
        if (result.status === 'mfa_required') return { status: 'mfa_required' };
        setSessionCookie(req, reply, result.session.token, deps.config.sessionHours);
        const user = await currentUser(deps, result.session.token);
        return { status: 'ok', me: await describeUser(deps, user!) };
      } catch (e) {
        if (!(e instanceof AppError && (e.code === 'wrong_credentials' || e.code === 'wrong_code'))) forgive();
        throw e;
      }
    });

    app.post('/api/auth/logout', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: { tags: ['log-on'], summary: 'Log out of this device', response: { 200: okSchema } },
    }, async (req, reply) => {
      await logOut(deps, requireUser(req), req.ip);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    });

    app.get('/api/auth/me', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: { tags: ['log-on'], summary: 'Who is logged in, their permissions and the CSRF token', response: { 200: meSchema, 401: errorSchema } },
    }, async (req) => describeUser(deps, requireUser(req)));

    app.post('/api/auth/password', {
      config: { access: 'signed_in', allowPendingPasswordChange: true },
      schema: {
        tags: ['log-on'], summary: 'Change your own password',
        body: { type: 'object', additionalProperties: false, required: ['currentPassword', 'newPassword'], properties: { currentPassword: { type: 'string', maxLength: 200 }, newPassword: { type: 'string', maxLength: 200 } } },
        response: { 200: okSchema, ...errors },
      },
    }, async (req) => {
      const body = req.body as { currentPassword: string; newPassword: string };
      await changePassword(deps, requireUser(req), body.currentPassword, body.newPassword, req.ip);
      return { ok: true };
    });

    app.post('/api/auth/mfa/start', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: {
        tags: ['log-on'], summary: 'Begin setting up two-step verification (with your password again): returns the secret and a QR code',
        body: { type: 'object', additionalProperties: false, required: ['password'], properties: { password: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 200: { type: 'object', properties: { secret: { type: 'string' }, otpauthUrl: { type: 'string' }, qrSvg: { type: 'string' } } }, ...errors },
      },
    }, async (req) => startMfaEnrolment(deps, requireUser(req), (req.body as { password: string }).password));

    app.post('/api/auth/mfa/confirm', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: {
        tags: ['log-on'], summary: 'Finish setting up two-step verification with the first code; returns recovery codes once',
        body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', maxLength: 20 } } },
        response: { 200: { type: 'object', properties: { recoveryCodes: { type: 'array', items: { type: 'string' } } } }, ...errors },
      },
    }, async (req) => ({ recoveryCodes: await confirmMfaEnrolment(deps, requireUser(req), (req.body as { code: string }).code, actorOf(req).ip) }));
  };
}
