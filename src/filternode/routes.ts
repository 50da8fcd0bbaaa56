/**
 * The control plane's side of filter nodes (R11.2). A node, known by its bearer token, pulls its school's compiled
 * snapshot and identity tables (conditional GET: an unchanged one answers 304 and costs a hash lookup), pushes
 * batches of activity (stored before the answer, so the node can then forget them; storing twice is harmless), and
 * asks for proxy-authentication checks it cannot make itself (passwords never leave the control plane).
 *
 * Password checks are throttled on what a node cannot invent: the node (known by its token) and the account asked
 * about — never on the client address the node reports, which a node with a stolen token could change on every
 * guess (issue 11). The check itself is the same one the server's own proxy makes, so a node's failures count
 * towards the account's lock-out exactly as the server's do.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeLine, totalKeyOf } from '../activity/index.ts';
import { utcDayOf } from '../activity/index.ts';
import { ActivityRejectedError, DatabaseActivityWriter } from '../activity/index.ts';
import { serialiseSnapshot, type Snapshot } from '../filtering/index.ts';
import { parseBasic, type CredentialResult } from '../filtering/index.ts';
import type { IdentityService } from '../filtering/index.ts';
import type { SnapshotCache } from '../filtering/index.ts';
import { FailureThrottle } from '../platform/auth/throttle.ts';
import type { AppDeps } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import type { ModuleRoutes } from '../platform/http.ts';
import { errorsFor } from '../platform/schemas.ts';
import {
  ActivityPushAnswer, ActivityPushBody, CredentialAnswer, CredentialsBody, IdentityAnswer, MAX_PUSH_EVENTS, NodeHelloSchema, SnapshotAnswer,
} from './schemas.ts';
import { nodeForToken, type FilterNodeRow } from './tokens.ts';

/** Events per push the control plane accepts; the node sends fewer. */
export { MAX_PUSH_EVENTS };

/** Wrong passwords for one account through one node, per ten minutes, before that node's checks of it wait. */
export const NODE_ACCOUNT_FAILURE_LIMIT = 10;
/**
 * Wrong passwords through one node in all, per ten minutes: a whole site's typing slips stay well under it, while
 * a stolen token trying one password on every account (which no account's own limit notices) is slowed down.
 */
export const NODE_FAILURE_LIMIT = 600;
const FAILURE_WINDOW_MS = 10 * 60_000;

const etags = new WeakMap<Snapshot, string>();
function snapshotTag(s: Snapshot): string {
  let tag = etags.get(s);
  if (!tag) etags.set(s, (tag = `"${createHash('sha256').update(serialiseSnapshot(s)).digest('base64url')}"`));
  return tag;
}

/** `snapshots`: the installation's one SnapshotCache (src/app/), shared with serve's own front-ends. */
export function filterNodeRoutes(deps: AppDeps, snapshots: SnapshotCache, identity: IdentityService): ModuleRoutes {
  return async function plugin(app) {
    const writer = new DatabaseActivityWriter(deps.db, deps.config.timeZone);
    const accountFailures = new FailureThrottle(NODE_ACCOUNT_FAILURE_LIMIT, FAILURE_WINDOW_MS);
    const nodeFailures = new FailureThrottle(NODE_FAILURE_LIMIT, FAILURE_WINDOW_MS);
    const nodes = new WeakMap<FastifyRequest, FilterNodeRow>();
    // Every route here is for filter nodes (access 'filter_node'): the token is checked before the body is read.
    app.addHook('onRequest', async (req) => { nodes.set(req, await nodeOf(req)); });
    const nodeFor = (req: FastifyRequest) => nodes.get(req)!;

    async function nodeOf(req: FastifyRequest): Promise<FilterNodeRow> {
      const header = req.headers.authorization ?? '';
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      const node = token ? await nodeForToken(deps.db, token, req.ip, deps.clock.now()) : undefined;
      if (!node) {
        throw new AppError(401, 'unknown_filter_node', 'This filter node\'s token is not recognised, or the node has been removed. On the Osprey server run "osprey filter-node add --name NAME" and start the node with the new token.');
      }
      return node;
    }

    const conditional = (req: FastifyRequest, reply: FastifyReply, tag: string): boolean => {
      reply.header('etag', tag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === tag) { reply.code(304).send(); return true; }
      return false;
    };

    app.get('/api/filter-node/hello', {
      config: { access: 'filter_node' },
      schema: { hide: true, response: { 200: NodeHelloSchema, ...errorsFor(401) } },
    }, async (req) => {
      const node = nodeFor(req);
      return { name: node.name, schoolIds: [node.schoolId] };
    });

    app.get('/api/filter-node/snapshot', {
      config: { access: 'filter_node' },
      schema: { hide: true, response: { 200: SnapshotAnswer, ...errorsFor(401) } },
    }, async (req, reply) => {
      const node = nodeFor(req);
      const snapshot = await snapshots.get(node.schoolId, deps.clock.now());
      if (conditional(req, reply, snapshotTag(snapshot))) return reply;
      const bytes = serialiseSnapshot(snapshot);
      return reply.type('application/octet-stream').header('x-osprey-school', node.schoolId)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });

    app.get('/api/filter-node/identity', {
      config: { access: 'filter_node' },
      schema: { hide: true, response: { 200: IdentityAnswer, ...errorsFor(401, 409) } },
    }, async (req, reply) => {
      const node = nodeFor(req);
      await identity.ready();
      const data = identity.tableData();
      if (data.schoolId !== node.schoolId) throw new AppError(409, 'other_school', 'This filter node belongs to another school than the one this server filters for.');
      const json = JSON.stringify(data);
      if (conditional(req, reply, `"${createHash('sha256').update(json).digest('base64url')}"`)) return reply;
      return reply.type('application/json').send(json);
    });

    app.post('/api/filter-node/activity', {
      config: { access: 'filter_node' }, bodyLimit: 64 * 1024 * 1024,
      schema: {
        hide: true,
        body: ActivityPushBody,
        response: { 200: ActivityPushAnswer, ...errorsFor(400, 401) },
      },
    }, async (req) => {
      const node = nodeFor(req);
      const { lines } = req.body;
      const totals: string[] = [];
      const days = new Set<number>();
      for (let i = 0; i < lines.length; i++) {
        const e = decodeLine(lines[i]);
        if (!e) throw new AppError(400, 'bad_event', `Event ${i + 1} of the batch is not a whole activity event; the batch was not stored.`);
        if (e.schoolId !== node.schoolId) throw new AppError(400, 'other_school', `Event ${i + 1} of the batch is for another school than this filter node's; the batch was not stored.`);
        totals.push(totalKeyOf(e));
        days.add(utcDayOf(e.time));
      }
      if (lines.length === 0) return { stored: 0 };
      try {
        return await writer.write({ lines, totals, days });
      } catch (e) {
        if (e instanceof ActivityRejectedError) throw new AppError(400, 'bad_event', `The database refused the batch: ${e.message}`);
        throw e;
      }
    });

    app.post('/api/filter-node/credentials', {
      config: { access: 'filter_node' },
      schema: {
        hide: true,
        body: CredentialsBody,
        response: { 200: CredentialAnswer, ...errorsFor(400, 401) },
      },
    }, async (req): Promise<CredentialResult> => {
      const { header, ip } = req.body;
      const node = nodeFor(req);
      const nodeKey = node.id;
      const accountKey = `${node.id}\u0000${parseBasic(header)?.username ?? ''}`;
      const now = deps.clock.now().getTime();
      const wait = Math.max(nodeFailures.retryAfter(nodeKey, now), accountFailures.retryAfter(accountKey, now));
      if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
      // counted before the password is checked, so that guesses sent at the same moment all count; taken back if right
      nodeFailures.recordFailure(nodeKey, now);
      accountFailures.recordFailure(accountKey, now);
      const result = await identity.checkProxyCredentials(header, ip);
      if (result.ok) {
        nodeFailures.forgive(nodeKey, now);
        accountFailures.forgive(accountKey, now);
      }
      return result;
    });
  };
}
