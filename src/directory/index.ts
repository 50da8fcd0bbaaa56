/**
 * The directory's front door: people, their roles, groups and family links, for the rest of Osprey. Other modules
 * import from here, never the directory's store or other files (lint: eslint.config.js).
 */
import type { PeopleDirectory } from '../platform/people.ts';
import { findPersonByUsername, getPerson, insertPerson } from './store.ts';

/** The directory's reader and writer as platform asks for them (log-on, sessions, set-up). */
export const peopleDirectory: PeopleDirectory = { getPerson, findPersonByUsername, insertPerson };

export { findPersonByUsername, getGroup, getPerson, searchPeople, type PersonRow } from './store.ts';
export { updatePerson } from './service.ts';
export { ROLES, ROLE_LABELS, YEAR_GROUPS, isRole, keyStageOf, type Role, type YearGroup } from './types.ts';
/** Parents, carers and the pupils they are linked to (consents, agreements). */
export * as family from './family.ts';
export type { PupilRef } from './family.ts';
