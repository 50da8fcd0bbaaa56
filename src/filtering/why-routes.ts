/** POST /api/filtering/why: the "test a site" box on the policy page (R2.5). */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../platform/context.ts';
import { errorSchema } from '../platform/errors.ts';
import { actorOf } from '../platform/http.ts';
import type { SnapshotCache } from './snapshots.ts';
import { why, type WhyQuestion } from './why.ts';

export const whyAnswerSchema = {
  type: 'object',
  properties: {
    action: { type: 'string' }, reason: { type: 'string' }, policyId: { type: 'string' },
    policy: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    explanation: { type: 'array', items: { type: 'string' } }, subject: { type: 'string' }, at: { type: 'string' },
    match: { type: 'object', properties: { sourceId: { type: 'string' }, entry: { type: 'string' }, categoryId: { type: 'string' }, ruleId: { type: 'string' }, scheduleId: { type: 'string' } } },
    safeSearchHost: { type: 'string' }, circumvention: { type: 'boolean' },
  },
} as const;

/** `cache`: the installation's one SnapshotCache (src/app/), so "why?" reads the lists the filter has compiled. */
export function whyRoutes(deps: AppDeps, cache: SnapshotCache) {
  return async function plugin(app: FastifyInstance) {
    app.post('/api/filtering/why', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'What the filter does with a web address for a person, a group or an unidentified device, and why',
        body: {
          type: 'object', additionalProperties: false, required: ['url'],
          properties: { url: { type: 'string', minLength: 1, maxLength: 4000 }, username: { type: 'string', maxLength: 100 }, groupId: { type: 'string', maxLength: 100 }, at: { type: 'string', maxLength: 40 } },
        },
        response: { 200: whyAnswerSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    }, async (req) => {
      const b = req.body as { url: string; username?: string; groupId?: string; at?: string };
      const q: WhyQuestion = { url: b.url, username: b.username || undefined, group: b.groupId || undefined, at: b.at || undefined };
      return why({ db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } }, cache, q);
    });
  };
}
