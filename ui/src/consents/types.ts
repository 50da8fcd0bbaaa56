/** What the consent API answers (src/agreements/consent-routes.ts): the server's own schema types (src/agreements/consent-schemas.ts). */
import type {
  BulkCheckAnswer, ChildConsents, ConsentAnswer, ConsentUse, DecisionView, FamilyAnswer, GroupOption, LinkedAdultView, PupilConsentRecord, PupilView, UsesAnswer,
} from '../../../src/agreements/consent-schemas.ts';

export type { BulkCheckAnswer, ChildConsents, ConsentAnswer, ConsentUse, DecisionView, FamilyAnswer, GroupOption, LinkedAdultView, PupilConsentRecord, PupilView, UsesAnswer };

export const DECISION_WORDS: Record<DecisionView['decision'], string> = { given: 'Gave consent', refused: 'Refused consent', withdrawn: 'Withdrew consent' };
