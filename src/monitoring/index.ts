/**
 * Monitoring's front door: alerts as other modules read them (incidents: escalation and a person's chronology).
 * Other modules import from here, never the module's other files (lint: eslint.config.js).
 */
export { alertForEscalation, alertsForPerson, markAlertEscalated, type AlertDetail } from './service.ts';
