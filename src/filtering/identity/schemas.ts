/**
 * The identity API's payloads, one schema each (issue 12): address ranges and devices, web log-on sessions and the
 * identity settings. Fastify validates requests and writes answers by them, and the web interface imports their types.
 */
import { Type, type Static } from 'typebox';

export const AddressKindSchema = Type.Union([Type.Literal('range'), Type.Literal('device')]);
export type AddressKind = Static<typeof AddressKindSchema>;

/** An address range ('10.0.5.0/24') or a named device (one address, stored as '10.0.5.23/32'), as the API answers it. */
export const RangeSchema = Type.Object({
  id: Type.String(),
  cidr: Type.String(),
  name: Type.String(),
  kind: AddressKindSchema,
  /** Group ids, and 'role:<role>' for everyone with a role (as filtering policies target them). */
  groupIds: Type.Array(Type.String()),
  note: Type.String(),
});
export type AddressEntry = Static<typeof RangeSchema>;

/** A new or changed range or device. */
export const RangeBodySchema = Type.Object({
  cidr: Type.String({ minLength: 1, maxLength: 60 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: AddressKindSchema,
  groupIds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
export type AddressInput = Static<typeof RangeBodySchema>;

/** A device logged on at the web log-on page. */
export const LogonSessionSchema = Type.Object({
  ip: Type.String(),
  personId: Type.String(),
  username: Type.String(),
  startedAt: Type.String(),
  expiresAt: Type.String(),
});
export type LogonSession = Static<typeof LogonSessionSchema>;

export const SessionParams = Type.Object({ ip: Type.String({ maxLength: 60 }) });

export const UnidentifiedModeSchema = Type.Union([Type.Literal('fallback'), Type.Literal('logon'), Type.Literal('proxy-auth')]);

/** How the proxy treats devices it cannot identify, and how long a web log-on lasts. */
export const IdentitySettingsSchema = Type.Object({
  unidentified: UnidentifiedModeSchema,
  logonMinutes: Type.Integer({ minimum: 5, maximum: 10080 }),
}, { additionalProperties: false });
export type IdentitySettingsView = Static<typeof IdentitySettingsSchema>;

/** The web log-on page's address: where to go back to afterwards (checked by `safeReturn`, so anything is accepted). */
export const LogonPageQuery = Type.Object({ return: Type.Optional(Type.Unknown()) });

/** The web log-on and log-off forms (urlencoded, so every field is text); no body at all reads as an empty form. */
export const LogonForm = Type.Union([
  Type.Null(),
  Type.Object({
    csrf: Type.Optional(Type.String()),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    return: Type.Optional(Type.String()),
  }),
]);
