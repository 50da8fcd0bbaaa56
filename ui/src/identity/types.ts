/** Shapes of the identity API's answers: the server's schemas' own types (src/filtering/identity/schemas.ts). */
import type { UnidentifiedMode } from '../../../src/filtering/identity/table.ts';
import type { AddressEntry, AddressInput, AddressKind, IdentitySettingsView, LogonSession } from '../../../src/filtering/identity/schemas.ts';

export type { UnidentifiedMode };

/** An address range ('10.0.5.0/24') or a named device (one address, stored as '10.0.5.23/32'). */
export type { AddressEntry, AddressInput, AddressKind, LogonSession };

export type IdentitySettings = IdentitySettingsView;
