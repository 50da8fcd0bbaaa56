/** The typed Fastify application that route plugins are written against (kept apart from http.ts, which registers them). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, RawServerDefault } from 'fastify';

/**
 * The application as a module's routes see it: request and response schemas are TypeBox schemas (JSON Schema), and
 * their TypeScript types are what `req.body`, `req.params`, `req.query` and the handler's answer are checked against.
 * One schema per payload: a module's `schemas.ts` exports them, and the web interface imports the same types.
 */
export type OspreyApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
/** A module's routes: a Fastify plugin on the typed application. */
export type ModuleRoutes = FastifyPluginAsync<Record<never, never>, RawServerDefault, TypeBoxTypeProvider>;
