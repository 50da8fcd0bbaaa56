/**
 * The directory's front door: people, their roles, groups and family links, for the rest of Osprey. Other modules
 * and the composition root import from here, never the directory's store or internals (lint: eslint.config.js).
 */
import type { PeopleDirectory } from '../platform/people.ts';
import { findPersonByUsername, getPerson, insertPerson } from './store.ts';

/** The directory's reader and writer as platform asks for them (log-on, sessions, set-up). */
export const peopleDirectory: PeopleDirectory = { getPerson, findPersonByUsername, insertPerson };

export { findPersonByUsername, getPerson, type PersonRow } from './store.ts';
export { ROLES, ROLE_LABELS, isRole, type Role } from './types.ts';
