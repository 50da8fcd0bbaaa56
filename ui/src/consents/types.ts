/** What the consent API answers (src/agreements/consent-routes.ts), as the consent pages read it. */
import type { BulkCheckAnswer, ChildConsents, ConsentAnswer, DecisionView, LinkedAdultView, PupilConsentRecord, PupilView } from '../../../src/agreements/consent-service.ts';
import type { ConsentUse } from '../../../src/agreements/consent-uses.ts';

export type { BulkCheckAnswer, ChildConsents, ConsentAnswer, ConsentUse, DecisionView, LinkedAdultView, PupilConsentRecord, PupilView };

export interface UsesAnswer { uses: ConsentUse[]; reminder: string }
export interface FamilyAnswer { children: ChildConsents[]; uses: ConsentUse[]; reminder: string }
export interface GroupOption { id: string; kind: string; name: string; pupils: number }

export const DECISION_WORDS: Record<DecisionView['decision'], string> = { given: 'Gave consent', refused: 'Refused consent', withdrawn: 'Withdrew consent' };
