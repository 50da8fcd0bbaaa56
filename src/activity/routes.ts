/**
 * HTTP routes for activity (R4.1): search and CSV export, both behind `activity.read` (safeguarding and network
 * staff; never pupils, parents, teachers or governors). A person's timeline is the search filtered to them.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { serviceContextOf } from '../platform/http.ts';
import { activityCsv } from './csv.ts';
import { exportActivity, searchActivity, WARNED_AND_CONTINUED, type ActivityQuery } from './service.ts';

const ACTIONS = ['allow', 'block', 'warn', WARNED_AND_CONTINUED, 'monitor', 'safesearch'] as const;

const filterProperties = {
  person: { type: 'string', maxLength: 200, description: 'A person: their id or username' },
  group: { type: 'string', format: 'uuid', description: 'Everyone in this group' },
  device: { type: 'string', maxLength: 200 },
  ip: { type: 'string', maxLength: 64, description: 'An address (10.0.3.45) or a network (10.0.3.0/24)' },
  from: { type: 'string', maxLength: 40, description: 'From this time (ISO 8601), inclusive' },
  to: { type: 'string', maxLength: 40, description: 'Up to this time (ISO 8601), exclusive' },
  category: { type: 'string', maxLength: 100, description: "A category id, or 'none' for sites in no category" },
  action: { type: 'string', enum: [...ACTIONS], description: `What happened; '${WARNED_AND_CONTINUED}' is a warning the person went past by choosing Continue` },
  host: { type: 'string', maxLength: 300, description: 'A site and everything under it: bbc.co.uk matches news.bbc.co.uk' },
} as const;

const nullableString = { type: ['string', 'null'] } as const;
const personSchema = { type: ['object', 'null'], properties: { id: { type: 'string' }, name: { type: 'string' }, username: { type: 'string' }, yearGroup: nullableString } } as const;
const eventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, time: { type: 'string' },
    person: personSchema,
    username: nullableString, deviceId: nullableString, ip: nullableString, host: { type: 'string' }, url: nullableString, searchTerm: nullableString,
    category: { type: ['object', 'null'], properties: { id: { type: 'string' }, name: { type: 'string' } } },
    action: { type: 'string' }, reason: { type: 'string' },
    policy: { type: 'object', properties: { id: { type: 'string' }, name: nullableString } },
    ruleId: nullableString, sourceId: nullableString, circumvention: { type: 'boolean' },
    acknowledged: { type: 'boolean', description: 'The person chose Continue on a warning page and went on to this request' }, frontEnd: { type: 'string' }, node: { type: 'string' },
    count: { type: 'integer', description: 'How many requests this row stands for: repeated blocks of the same address within a minute are stored as one' },
    lastTime: { ...nullableString, description: 'When the last of them was made (null for a single request)' },
  },
} as const;

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };

export function activityRoutes(deps: AppDeps) {
  return async function plugin(app: FastifyInstance) {
    app.get('/api/activity', {
      config: { access: 'activity.read' },
      schema: {
        tags: ['activity'], summary: 'Search internet activity, newest first (every search is recorded in the audit log)',
        querystring: {
          type: 'object', additionalProperties: false,
          properties: {
            ...filterProperties,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            before: { type: 'string', maxLength: 60, description: 'The `next` marker of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              events: { type: 'array', items: eventSchema }, next: nullableString,
              person: { ...personSchema, description: 'The person the search is about, when it names one the directory knows' },
              timeZone: { type: 'string', description: "The school's time zone, in which the UI shows times and reads the dates typed" },
            },
          },
          ...errors,
        },
      },
    }, async (req) => ({
      ...await searchActivity(serviceContextOf(deps, req), req.query as ActivityQuery & { limit: number; before?: string }),
      timeZone: deps.config.timeZone,
    }));

    app.get('/api/activity.csv', {
      config: { access: 'activity.read' },
      schema: {
        tags: ['activity'], summary: 'Export the activity matching the filters as CSV (recorded in the audit log)',
        querystring: { type: 'object', additionalProperties: false, properties: filterProperties },
        response: { 200: { type: 'string', description: 'text/csv' }, ...errors },
      },
    }, async (req, reply) => {
      const { names, pages } = await exportActivity(serviceContextOf(deps, req), req.query as ActivityQuery);
      const day = deps.clock.now().toISOString().slice(0, 10);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="osprey-activity-${day}.csv"`);
      reply.header('cache-control', 'no-store');
      return reply.send(Readable.from(activityCsv(pages, names, deps.config.timeZone)));
    });
  };
}
