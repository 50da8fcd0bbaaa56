/** POST /api/filtering/why: the "test a site" box on the policy page (R2.5). */
import type { AppDeps } from '../platform/context.ts';
import { actorOf, type ModuleRoutes } from '../platform/http.ts';
import { errorsFor } from '../platform/schemas.ts';
import type { SnapshotCache } from './snapshots.ts';
import { WhyAnswerSchema, WhyQuestionSchema } from './why-schemas.ts';
import { why, type WhyQuestion } from './why.ts';

/** `cache`: the installation's one SnapshotCache (src/app/), so "why?" reads the lists the filter has compiled. */
export function whyRoutes(deps: AppDeps, cache: SnapshotCache): ModuleRoutes {
  return async function plugin(app) {
    app.post('/api/filtering/why', {
      config: { access: 'filtering.read' },
      schema: {
        tags: ['filtering'], summary: 'What the filter does with a web address for a person, a group or an unidentified device, and why',
        body: WhyQuestionSchema,
        response: { 200: WhyAnswerSchema, ...errorsFor(400, 401, 403, 404) },
      },
    }, async (req) => {
      const b = req.body;
      const q: WhyQuestion = { url: b.url, username: b.username || undefined, group: b.groupId || undefined, at: b.at || undefined };
      return why({ db: deps.db, clock: deps.clock, actor: { ...actorOf(req), schoolId: req.user!.person.schoolId } }, cache, q);
    });
  };
}
