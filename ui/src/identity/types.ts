/** Shapes of the identity API's answers (src/filtering/identity/routes.ts). */
import type { UnidentifiedMode } from '../../../src/filtering/identity/table.ts';

export type { UnidentifiedMode };

export type AddressKind = 'range' | 'device';

/** An address range ('10.0.5.0/24') or a named device (one address, stored as '10.0.5.23/32'). */
export interface AddressEntry {
  id: string;
  cidr: string;
  name: string;
  kind: AddressKind;
  /** Group ids, and 'role:<role>' for everyone with a role (as filtering policies target them). */
  groupIds: string[];
  note: string;
}

export type AddressInput = Omit<AddressEntry, 'id'>;

/** A device logged on at the web log-on page. */
export interface LogonSession { ip: string; personId: string; username: string; startedAt: string; expiresAt: string }

export interface IdentitySettings { unidentified: UnidentifiedMode; logonMinutes: number }
