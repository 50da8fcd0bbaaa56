/**
 * People as platform needs them: who logs on, with which roles, and the first administrator at set-up. The directory
 * module owns people (its tables, its rules); the composition root (src/app/) hands platform the directory's own
 * reader and writer as a `PeopleDirectory`, so that platform never imports a domain module.
 */
import type { Db } from './db.ts';
import type { Role } from './roles.ts';

/** A person with their roles, as the directory stores them (the directory calls this PersonRow). */
export interface PersonRecord {
  id: string;
  schoolId: string;
  externalId: string | null;
  username: string;
  givenName: string;
  familyName: string;
  email: string | null;
  yearGroup: string | null;
  status: 'active' | 'leaver' | 'disabled';
  leftAt: Date | null;
  source: string;
  /** 'class_logon': a shared log-on for a KS1-or-younger class (R1.3), shown as a risk. */
  kind: 'individual' | 'class_logon';
  roles: Role[];
}

/** A new person as set-up creates one (the first administrator). */
export interface NewAccountHolder {
  username: string;
  givenName: string;
  familyName: string;
  email?: string | null;
  source: string;
  roles: Role[];
}

/** What platform asks of the directory; `db` may be a transaction. */
export interface PeopleDirectory {
  getPerson(db: Db, schoolId: string, id: string): Promise<PersonRecord | undefined>;
  findPersonByUsername(db: Db, username: string): Promise<PersonRecord | undefined>;
  insertPerson(db: Db, schoolId: string, person: NewAccountHolder, now: Date): Promise<string>;
}
