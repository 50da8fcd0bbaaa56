/** HTTP routes for set-up, log-on, passwords and two-step verification. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_LABELS } from '../roles.ts';
import type { AppDeps } from '../context.ts';
import { AppError } from '../errors.ts';
import type { ModuleRoutes } from '../app-types.ts';
import { actorOf, requireUser } from '../request.ts';
import { permissionsOf } from '../permissions.ts';
import { NoBody, OkAnswer } from '../schemas.ts';
import { completeSetup, defaultSchool, setupNeeded } from '../setup.ts';
import {
  authErrors as errors, LoginAnswerSchema, LoginBody, MeSchema, MfaConfirmBody, MfaEnrolmentSchema, MfaStartBody, PasswordChangeBody,
  RecoveryCodesAnswer, SetupBody, SetupStatusAnswer, type LoginAnswer, type Me,
} from './schemas.ts';
import { FailureThrottle } from './throttle.ts';
import { changePassword, confirmMfaEnrolment, currentUser, logIn, logOut, startMfaEnrolment, type CurrentUser } from './service.ts';

export const SESSION_COOKIE = 'osprey_session';

export async function describeUser(deps: AppDeps, user: CurrentUser): Promise<Me> {
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

export function authRoutes(deps: AppDeps): ModuleRoutes {
  const throttle = new FailureThrottle();
  return async function plugin(app) {
    app.get('/api/setup/status', {
      config: { access: 'public' },
      schema: { tags: ['set-up'], summary: 'Whether the first administrator still has to be set up', response: { 200: SetupStatusAnswer } },
    }, async () => ({ needed: await setupNeeded(deps.db) }));

    app.post('/api/setup', {
      config: { access: 'public' },
      schema: {
        tags: ['set-up'], summary: 'Create the school and its first administrator with the one-time set-up link',
        body: SetupBody,
        response: { 200: OkAnswer, ...errors },
      },
    }, async (req) => {
      const { token, ...admin } = req.body;
      await completeSetup(deps.db, deps.clock, deps.people, token, admin, req.ip);
      return { ok: true };
    });

    app.post('/api/auth/login', {
      config: { access: 'public' },
      schema: {
        tags: ['log-on'], summary: 'Log in; answers mfa_required when a two-step code is needed',
        body: LoginBody,
        response: { 200: LoginAnswerSchema, ...errors },
      },
    }, async (req, reply): Promise<LoginAnswer> => {
      const now = deps.clock.now().getTime();
      const wait = throttle.retryAfter(req.ip, now);
      if (wait > 0) {
        reply.header('retry-after', Math.ceil(wait / 1000));
        throw new AppError(429, 'too_many_attempts', `Too many wrong log-on attempts from this device. Wait ${Math.ceil(wait / 60000)} minutes and try again.`);
      }
      // Counted as a failure before the password is checked, so guesses sent at the same moment cannot all slip past
      // the limit; taken back when the attempt turns out not to be a wrong password or code.
      throttle.recordFailure(req.ip, now);
      let counted = true;
      const forgive = () => { if (counted) throttle.forgive(req.ip, now); counted = false; };
      try {
        const result = await logIn(deps, { ...req.body, ip: req.ip, userAgent: req.headers['user-agent'] });
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
      schema: { tags: ['log-on'], summary: 'Log out of this device', body: NoBody, response: { 200: OkAnswer, ...errors } },
    }, async (req, reply) => {
      await logOut(deps, requireUser(req), req.ip);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    });

    app.get('/api/auth/me', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: { tags: ['log-on'], summary: 'Who is logged in, their permissions and the CSRF token', response: { 200: MeSchema, ...errors } },
    }, async (req) => describeUser(deps, requireUser(req)));

    app.post('/api/auth/password', {
      config: { access: 'signed_in', allowPendingPasswordChange: true },
      schema: {
        tags: ['log-on'], summary: 'Change your own password',
        body: PasswordChangeBody,
        response: { 200: OkAnswer, ...errors },
      },
    }, async (req) => {
      await changePassword(deps, requireUser(req), req.body.currentPassword, req.body.newPassword, req.ip);
      return { ok: true };
    });

    app.post('/api/auth/mfa/start', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: {
        tags: ['log-on'], summary: 'Begin setting up two-step verification (with your password again): returns the secret and a QR code',
        body: MfaStartBody,
        response: { 200: MfaEnrolmentSchema, ...errors },
      },
    }, async (req) => startMfaEnrolment(deps, requireUser(req), req.body.password));

    app.post('/api/auth/mfa/confirm', {
      config: { access: 'signed_in', allowPendingPasswordChange: true, allowPendingTwoStep: true },
      schema: {
        tags: ['log-on'], summary: 'Finish setting up two-step verification with the first code; returns recovery codes once',
        body: MfaConfirmBody,
        response: { 200: RecoveryCodesAnswer, ...errors },
      },
    }, async (req) => ({ recoveryCodes: await confirmMfaEnrolment(deps, requireUser(req), req.body.code, actorOf(req).ip) }));
  };
}
