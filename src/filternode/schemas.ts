/**
 * The payloads between a filter node and the control plane (R11.2), one schema each (issue 12). The node's client
 * (src/app/filter-node.ts) sends and reads exactly these; they are hidden from the OpenAPI document, which is for
 * the web interface's API.
 */
import { Type, type Static } from 'typebox';
import { FileAnswer } from '../platform/schemas.ts';

/** Events per push the control plane accepts; the node sends fewer. */
export const MAX_PUSH_EVENTS = 20_000;

/** Who the node is, by its token. */
export const NodeHelloSchema = Type.Object({ name: Type.String(), schoolIds: Type.Array(Type.String()) });
export type NodeHello = Static<typeof NodeHelloSchema>;

/** The school's compiled filtering snapshot, as bytes (or 304 when the node's copy is current). */
export const SnapshotAnswer = FileAnswer('The compiled filtering snapshot (application/octet-stream); 304 when If-None-Match names it');

/** The identity tables, as JSON text hashed for the ETag (or 304 when the node's copy is current). */
export const IdentityAnswer = Type.Unknown({ description: 'The identity tables (IdentityTableData) as JSON; 304 when If-None-Match names them' });

/** A batch of activity events, each a spool line (src/activity/encode.ts). */
export const ActivityPushBody = Type.Object({
  lines: Type.Array(Type.String({ maxLength: 20_000 }), { maxItems: MAX_PUSH_EVENTS }),
}, { additionalProperties: false });

export const ActivityPushAnswer = Type.Object({ stored: Type.Integer() });

/** A `Proxy-Authorization` header the node cannot check itself, and the address of the client that sent it. */
export const CredentialsBody = Type.Object({
  header: Type.String({ maxLength: 4096 }),
  ip: Type.String({ maxLength: 64 }),
}, { additionalProperties: false });

/** The answer of a proxy-authentication check (src/filtering/identity/credentials.ts, `CredentialResult`). */
export const CredentialAnswer = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    person: Type.Object({ schoolId: Type.String(), personId: Type.String(), username: Type.String(), groupIds: Type.Array(Type.String()) }),
  }),
  Type.Object({
    ok: Type.Literal(false),
    reason: Type.Union([Type.Literal('wrong'), Type.Literal('locked'), Type.Literal('throttled'), Type.Literal('malformed')]),
    retryAfterMs: Type.Optional(Type.Number()),
  }),
]);
