/**
 * The agreements module's front door: who must sign before they use the internet (R6.4), for the filter. Other
 * modules import from here, never the module's other files (lint: eslint.config.js).
 */
export { agreementGateFor, SIGN_PATH, type AgreementGate } from './gate.ts';
