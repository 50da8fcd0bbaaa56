/**
 * Who is behind a connection (R2.10). Front-ends ask on every request, so resolution is in memory; the identity
 * module keeps its tables (IP ranges → groups, web log-on sessions, proxy-auth cache) loaded and up to date.
 */
export interface ClientIdentity {
  schoolId: string;
  personId?: string;
  username?: string;
  /** What the engine chooses the policy by: the person's group ids and 'role:<role>' entries, or a range's groups. */
  groupIds: string[];
  deviceId?: string;
  /** How the identity was found, for the activity log and "why?". */
  source: 'proxy-auth' | 'web-logon' | 'ip-range' | 'unidentified';
}
