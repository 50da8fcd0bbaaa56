/**
 * Identity routes: the web log-on page (public, a real HTML form), the PAC/WPAD files (public), and the API for
 * address ranges, devices, log-on sessions and settings (`identity.manage`).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { publicUrlOf } from '../../config.ts';
import type { AppDeps } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { actorOf, serviceContextOf, type ModuleRoutes } from '../../platform/http.ts';
import { IdParams, OkAnswer, errorResponses as errors } from '../../platform/schemas.ts';
import { SIGN_PATH } from '../../agreements/index.ts';
import { loggedOffPage, loggedOnPage, logonFormPage, safeReturn } from './logon-page.ts';
import { proxyPac } from './pac.ts';
import { IdentitySettingsSchema, LogonForm, LogonPageQuery, LogonSessionSchema, RangeBodySchema, RangeSchema, SessionParams } from './schemas.ts';
import type { IdentityService } from './service.ts';

const CSRF_COOKIE = 'osprey_logon_csrf';

/** A token for the log-on form, also set as a cookie: a page elsewhere cannot log this device on as someone else. */
function formToken(req: FastifyRequest, reply: FastifyReply): string {
  const existing = req.cookies[CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(CSRF_COOKIE, token, { path: '/logon', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https' });
  return token;
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

export function identityRoutes(deps: AppDeps, identity: IdentityService): ModuleRoutes {
  const timeZone = deps.config.timeZone;
  return async function plugin(app) {
    // Only the log-on forms send urlencoded bodies; the rest of the API stays JSON-only (CSRF defence in http.ts).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    const formPost = { config: { access: 'public' as const }, schema: { hide: true, body: LogonForm } };
    const signPathFor = (personId: string | undefined) => (personId && identity.agreementRequired(personId) ? SIGN_PATH : undefined);

    app.get('/logon', { config: { access: 'public' }, schema: { hide: true, querystring: LogonPageQuery } }, async (req, reply) => {
      await identity.ready();
      const csrf = formToken(req, reply);
      const returnTo = safeReturn(req.query.return);
      const session = identity.sessionOf(req.ip);
      if (session) return html(reply, 200, loggedOnPage({ username: session.identity.username ?? '', expiresAt: new Date(session.expiresAt), returnTo, csrf, timeZone, justNow: false, signPath: signPathFor(session.identity.personId) }));
      return html(reply, 200, logonFormPage({ csrf, returnTo, timeZone }));
    });

    app.post('/logon', formPost, async (req, reply) => {
      const body = req.body ?? {};
      const csrf = formToken(req, reply);
      const returnTo = safeReturn(body.return);
      const again = (status: number, error: string) => html(reply, status, logonFormPage({ csrf, returnTo, error, username: body.username, timeZone }));
      if (!body.csrf || body.csrf !== req.cookies[CSRF_COOKIE]) return again(403, 'This form has expired. Please type your username and password again.');
      if (!body.username?.trim() || !body.password) return again(400, 'Type your username and your password, then choose Log on.');
      const result = await identity.logOnDevice({ username: body.username.slice(0, 100), password: body.password.slice(0, 200), ip: req.ip, userAgent: req.headers['user-agent'] });
      if (result.ok) return html(reply, 200, loggedOnPage({ username: result.person.username, expiresAt: result.expiresAt!, returnTo, csrf, timeZone, justNow: true, signPath: signPathFor(result.person.personId) }));
      if (result.reason === 'throttled') {
        reply.header('retry-after', Math.ceil((result.retryAfterMs ?? 60_000) / 1000));
        return again(429, `Too many wrong log-on attempts from this device. Wait ${Math.ceil((result.retryAfterMs ?? 60_000) / 60_000)} minutes and try again.`);
      }
      if (result.reason === 'locked') return again(423, 'This account is locked after too many wrong passwords. Try again later, or ask a teacher or the network manager to unlock it.');
      return again(401, 'The username or password is not right. Check them and try again.');
    });

    app.post('/logon/end', formPost, async (req, reply) => {
      const body = req.body ?? {};
      if (!body.csrf || body.csrf !== req.cookies[CSRF_COOKIE]) return html(reply, 403, logonFormPage({ csrf: formToken(req, reply), timeZone, error: 'This form has expired. Please try again.' }));
      await identity.logOffDevice(req.ip);
      return html(reply, 200, loggedOffPage());
    });

    const pac = async (req: FastifyRequest, reply: FastifyReply) => {
      const serverHost = deps.config.publicUrl ? new URL(publicUrlOf(deps.config)).hostname : req.hostname.replace(/:\d+$/, '');
      reply.header('cache-control', 'max-age=300').type('application/x-ns-proxy-autoconfig');
      return proxyPac({ proxyHost: serverHost, proxyPort: deps.status?.frontEnds().proxyPort ?? deps.config.proxyPort, serverHost });
    };
    app.get('/proxy.pac', { config: { access: 'public' }, schema: { hide: true } }, pac);
    app.get('/wpad.dat', { config: { access: 'public' }, schema: { hide: true } }, pac);

    app.get('/api/identity/ranges', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Address ranges and devices, and the groups they put requests in', response: { 200: Type.Object({ ranges: Type.Array(RangeSchema) }), ...errors } },
    }, async (req) => ({ ranges: await identity.listRanges(serviceContextOf(deps, req)) }));

    app.post('/api/identity/ranges', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Add an address range or a device', body: RangeBodySchema, response: { 201: RangeSchema, ...errors } },
    }, async (req, reply) => reply.code(201).send(await identity.createRange(serviceContextOf(deps, req), req.body)));

    app.put('/api/identity/ranges/:id', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Change an address range or device', params: IdParams, body: RangeBodySchema, response: { 200: RangeSchema, ...errors } },
    }, async (req) => identity.updateRange(serviceContextOf(deps, req), req.params.id, req.body));

    app.delete('/api/identity/ranges/:id', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Remove an address range or device', params: IdParams, response: { 200: OkAnswer, ...errors } },
    }, async (req) => {
      await identity.deleteRange(serviceContextOf(deps, req), req.params.id);
      return { ok: true };
    });

    app.get('/api/identity/sessions', {
      config: { access: 'identity.manage' },
      schema: {
        tags: ['identity'], summary: 'Devices logged on through the web log-on page',
        response: { 200: Type.Object({ sessions: Type.Array(LogonSessionSchema) }), ...errors },
      },
    }, async (req) => ({ sessions: await identity.listSessions(serviceContextOf(deps, req)) }));

    app.delete('/api/identity/sessions/:ip', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Log a device off', params: SessionParams, response: { 200: OkAnswer, ...errors } },
    }, async (req) => {
      const ended = await identity.logOffDevice(req.params.ip, actorOf(req));
      if (!ended) throw new AppError(404, 'not_found', 'That device is not logged on.');
      return { ok: true };
    });

    app.get('/api/identity/settings', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'How the proxy treats devices it cannot identify, and how long a web log-on lasts', response: { 200: IdentitySettingsSchema, ...errors } },
    }, async (req) => identity.getSettings(serviceContextOf(deps, req)));

    app.put('/api/identity/settings', {
      config: { access: 'identity.manage' },
      schema: { tags: ['identity'], summary: 'Change identity settings', body: IdentitySettingsSchema, response: { 200: IdentitySettingsSchema, ...errors } },
    }, async (req) => identity.updateSettings(serviceContextOf(deps, req), req.body));
  };
}
