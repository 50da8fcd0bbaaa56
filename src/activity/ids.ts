/** Activity event ids: platform's one time-ordered id generator (platform/ids.ts), by the names activity uses. */
export { isUuid, newActivityId, timeOfActivityId, uuidFromText } from '../platform/ids.ts';
