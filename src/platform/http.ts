/**
 * The HTTP application: Fastify with one error shape, one permission hook, CSRF protection, the OpenAPI document,
 * health and metrics, the web UI, and the modules' routes as plugins handed in by the composition root.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ModuleRoutes } from './app-types.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes, SESSION_COOKIE } from './auth/routes.ts';
import { currentUser, type CurrentUser } from './auth/service.ts';
import type { AppDeps } from './context.ts';
import { databaseIsReady } from './db.ts';
import { AppError } from './errors.ts';
import { Metrics } from './metrics.ts';
import { errorsFor, SystemStatusSchema } from './schemas.ts';
import { canAccess, type RouteAccess } from './permissions.ts';

export { actorOf, requireUser, serviceContextOf, userCan } from './request.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs: a permission, 'signed_in' or 'public'. Every route must say. */
    access?: RouteAccess;
    /** Allowed while the person still has to change a temporary or expired password. */
    allowPendingPasswordChange?: boolean;
    /** Allowed before a person whose roles need it has completed two-step verification (enrol, log out, `me`). */
    allowPendingTwoStep?: boolean;
  }
  interface FastifyRequest {
    user?: CurrentUser;
  }
}

export type { ModuleRoutes, OspreyApp } from './app-types.ts';

export interface RegisteredRoute {
  method: string;
  url: string;
  access: RouteAccess | undefined;
  /** Which parts of the route have a schema (issue 12: every route's requests and answers are described). */
  schema: { params: boolean; querystring: boolean; body: boolean; response: number[]; hidden: boolean };
}

export const UI_DIST = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function send(reply: FastifyReply, err: AppError) {
  return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } });
}

/**
 * The HTTP application with platform's own routes (log-on, set-up, audit, health, metrics, the OpenAPI document and
 * the web interface) and the modules' route plugins it is handed: platform knows no module by name.
 */
export async function buildApp(deps: AppDeps, modules: ReadonlyArray<ModuleRoutes> = []): Promise<FastifyInstance & { routeTable: RegisteredRoute[] }> {
  const { config } = deps;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // One JSON line per request is noise at a school's console; it is there at debug and trace.
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.logLevel) }),
    bodyLimit: config.maxRequestBytes,
    trustProxy: config.trustedProxies ? config.trustedProxies.split(',').map((a) => a.trim()).filter(Boolean) : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }) as unknown as FastifyInstance & { routeTable: RegisteredRoute[] };

  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const routeTable: RegisteredRoute[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD' || m === 'OPTIONS') continue;
      const schema = (route.schema ?? {}) as { params?: unknown; querystring?: unknown; body?: unknown; response?: Record<string, unknown>; hide?: boolean };
      routeTable.push({
        method: m, url: route.url, access: route.config?.access,
        schema: {
          params: schema.params !== undefined, querystring: schema.querystring !== undefined, body: schema.body !== undefined,
          response: Object.keys(schema.response ?? {}).map(Number).filter(Number.isFinite), hidden: schema.hide === true,
        },
      });
    }
  });

  // Browser hardening on every answer; Mantine sets inline styles, so styles allow 'unsafe-inline' but scripts do not.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
  });

  const metrics = new Metrics();
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(cookie);
  // JSON only: a cross-site form can send text/plain without a preflight, so refusing it is part of CSRF defence.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Osprey API', version: '0.1.0', description: 'The JSON API behind the Osprey web interface. Log in with POST /api/auth/login; send the x-csrf-token header on changes.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown[] }, req, reply) => {
    if (err instanceof AppError) return send(reply, err);
    if (err.validation) {
      return send(reply, new AppError(400, 'invalid_request', `The request is not valid: ${err.message}. Check the fields and try again.`, err.validation));
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, new AppError(413, 'too_large', `The request is too large. The most Osprey accepts is ${config.maxRequestBytes} bytes.`));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, new AppError(415, 'unsupported_media_type', 'Send the request as JSON (Content-Type: application/json).'));
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return send(reply, new AppError(400, 'malformed_json', 'The request body is not valid JSON. Check the data and try again.'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, new AppError(err.statusCode, 'invalid_request', err.message));
    }
    req.log.error({ err }, 'request failed');
    return send(reply, new AppError(500, 'internal', 'Something went wrong on the server. It has been logged; please try again, and tell your network manager if it keeps happening.'));
  });

  app.setNotFoundHandler((req, reply) => {
    return send(reply, new AppError(404, 'not_found', `There is nothing at ${req.method} ${req.url.split('?')[0]}.`));
  });

  // The one permission hook, before the body is even read: identify the person, then check what the route declared.
  app.addHook('onRequest', async (req) => {
    if (req.is404) return;
    const access = req.routeOptions.config?.access;
    if (access === undefined) {
      req.log.error({ url: req.routeOptions.url }, 'route declares no access rule; refusing');
      throw new AppError(403, 'forbidden', 'This part of Osprey is not available.');
    }
    // A filter node is a machine with a token, never a person: its routes check the token themselves.
    if (access === 'filter_node') return;
    const token = req.cookies[SESSION_COOKIE];
    if (token) req.user = await currentUser(deps, token);
    if (access === 'public') return;
    if (!req.user) throw new AppError(401, 'not_signed_in', 'Please log in to continue.');
    if (STATE_CHANGING.has(req.method) && req.headers['x-csrf-token'] !== req.user.csrfToken) {
      throw new AppError(403, 'csrf', 'This request did not come from an Osprey page. Reload the page and try again.');
    }
    // R1.6, issue 11: roles that read safeguarding data (or give out roles) do nothing else until two-step
    // verification is completed in this session: set it up, log out or read who you are.
    if (req.user.mfaRequired && !req.user.mfaVerified && !req.routeOptions.config?.allowPendingTwoStep) {
      throw new AppError(403, 'two_step_required', req.user.mfaEnrolled
        ? 'Log out and log in again with a code from your authenticator app: your role can see safeguarding information.'
        : 'Set up two-step verification first (Account → Two-step verification): your role can see safeguarding information, so Osprey needs a code from your phone as well as your password.');
    }
    if (req.user.mustChangePassword && !req.routeOptions.config?.allowPendingPasswordChange) {
      throw new AppError(403, 'password_change_required', 'You need to choose a new password before you carry on.');
    }
    if (!canAccess(req.user.person.roles, access)) {
      throw new AppError(403, 'forbidden', 'You do not have permission to do this. Ask an Osprey administrator if you need it.');
    }
  });

  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const ready = await databaseIsReady(deps.db);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'database unavailable' });
  });
  // The System status page (Filtering → System status): is the activity log keeping up, is a replay under way, is
  // the spool filling. Figures only; nobody's activity.
  typed.get('/api/system/status', {
    config: { access: 'filtering.read' },
    schema: { tags: ['system'], summary: 'Is the activity log keeping up: the replay after a restart, the spool, monitoring (figures only)', response: { 200: SystemStatusSchema, ...errorsFor(401, 403) } },
  }, async () => {
    const h = deps.status?.health();
    return { running: Boolean(h), ...(h ?? {}), frontEnds: deps.status?.frontEnds() ?? {} };
  });
  // Off unless a token is set; a monitoring tool sends it as a bearer token (issue 11: the figures describe the
  // server and its traffic, and were open to anyone, including through the proxy).
  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) => {
    if (!config.metricsToken) throw new AppError(404, 'not_found', 'Metrics are off. Set OSPREY_METRICS_TOKEN to turn them on for your monitoring tool.');
    const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '');
    const wanted = Buffer.from(config.metricsToken);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(401, 'not_signed_in', 'Send the metrics token as "Authorization: Bearer <token>".');
    }
    return reply.type('text/plain; version=0.0.4').send(metrics.render(deps.status?.health()));
  });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await typed.register(authRoutes(deps));
  await typed.register(auditRoutes(deps));
  // Each module's routes, as the composition root lists them (src/app/http.ts).
  for (const plugin of modules) await typed.register(plugin);

  // The web UI: built files when present, and index.html for the UI's own paths (client-side routing).
  await app.register(fastifyStatic, { root: UI_DIST, serve: false });
  typed.get('/*', { config: { access: 'public' }, schema: { hide: true, params: Type.Object({ '*': Type.String() }) } }, async (req, reply) => {
    const rel = req.params['*'];
    if (req.url.startsWith('/api/')) return send(reply, new AppError(404, 'not_found', `There is nothing at GET ${req.url.split('?')[0]}.`));
    if (!existsSync(UI_DIST + 'index.html')) {
      return reply.type('text/html').send('<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Osprey</title><p>The Osprey web interface has not been built yet. Run <code>npm run build</code> and restart, or use <code>npm start</code>, which builds it for you.</p></html>');
    }
    if (rel && !rel.includes('..') && /\.[a-z0-9]+$/i.test(rel) && existsSync(UI_DIST + rel)) {
      if (rel.startsWith('assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(rel);
    }
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html').sendFile('index.html');
  });
  return app;
}
