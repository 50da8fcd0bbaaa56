/**
 * Platform's own API payloads, one schema each (issue 12): set-up, log-on, passwords, two-step verification and the
 * audit log. Fastify validates requests and writes answers by them, the OpenAPI document shows them, and their
 * TypeScript types (`Static<typeof …>`) are what the routes and the web interface use. No domain module here.
 */
import { Type, type Static } from 'typebox';
import type { Permission } from '../permissions.ts';
import { errorsFor, Nullable } from '../schemas.ts';

/** The error statuses of log-on and account routes: 423 a locked account, 429 too many wrong tries. */
export const authErrors = errorsFor(400, 401, 403, 409, 423, 429);

export const SetupStatusAnswer = Type.Object({ needed: Type.Boolean() });

/** The school and its first administrator, with the one-time set-up token. */
export const SetupBody = Type.Object({
  token: Type.String({ maxLength: 200 }),
  schoolName: Type.String({ minLength: 1, maxLength: 200 }),
  givenName: Type.String({ maxLength: 100 }),
  familyName: Type.String({ maxLength: 100 }),
  username: Type.String({ maxLength: 64 }),
  email: Type.Optional(Type.String({ maxLength: 200 })),
  password: Type.String({ maxLength: 200 }),
}, { additionalProperties: false });

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 100 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
  /** A code from the authenticator app, or a recovery code, when two-step verification is set up. */
  code: Type.Optional(Type.String({ maxLength: 20 })),
}, { additionalProperties: false });

/** Who is logged in: their roles and permissions, the school, the CSRF token and where they are with two-step verification. */
export const MeSchema = Type.Object({
  person: Type.Object({
    id: Type.String(),
    username: Type.String(),
    givenName: Type.String(),
    familyName: Type.String(),
    roles: Type.Array(Type.String()),
    roleLabels: Type.Array(Type.String()),
  }),
  school: Type.Object({ id: Type.String(), name: Type.String() }),
  // Written as plain strings; typed as the permission names they are.
  permissions: Type.Array(Type.Unsafe<Permission>(Type.String())),
  csrfToken: Type.String(),
  mustChangePassword: Type.Boolean(),
  mfa: Type.Object({ enrolled: Type.Boolean(), required: Type.Boolean(), verified: Type.Boolean() }),
});
export type Me = Static<typeof MeSchema>;

/** Logged in (with who), or a two-step code is needed first. */
export const LoginAnswerSchema = Type.Union([
  Type.Object({ status: Type.Literal('ok'), me: MeSchema }),
  Type.Object({ status: Type.Literal('mfa_required') }),
]);
export type LoginAnswer = Static<typeof LoginAnswerSchema>;

export const PasswordChangeBody = Type.Object({
  currentPassword: Type.String({ maxLength: 200 }),
  newPassword: Type.String({ maxLength: 200 }),
}, { additionalProperties: false });

export const MfaStartBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

/** The new secret, as text, as an otpauth:// link and as a QR code (SVG) for the authenticator app. */
export const MfaEnrolmentSchema = Type.Object({ secret: Type.String(), otpauthUrl: Type.String(), qrSvg: Type.String() });
export type MfaEnrolment = Static<typeof MfaEnrolmentSchema>;

export const MfaConfirmBody = Type.Object({ code: Type.String({ maxLength: 20 }) }, { additionalProperties: false });

/** Recovery codes, shown once. */
export const RecoveryCodesAnswer = Type.Object({ recoveryCodes: Type.Array(Type.String()) });

export const AuditQuery = Type.Object({
  action: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 100 })),
  entityId: Type.Optional(Type.String({ maxLength: 100 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
}, { additionalProperties: false });

/** One entry of the audit log. */
export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actorId: Nullable(Type.String()),
  actorLabel: Type.String(),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntrySchema>;

/** The outcome of checking the audit log's hash chain. */
export const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  /** The first entry whose hash, link or key mark is wrong, and why. */
  firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), reason: Type.String() })),
  /** The last entry checked, for the administrator to keep somewhere else. */
  head: Type.Optional(Type.Object({ seq: Type.Integer(), hash: Type.String() })),
  /** Entries written before the log was keyed, all at the start. */
  unkeyed: Type.Integer(),
});
export type AuditVerification = Static<typeof AuditVerificationSchema>;
