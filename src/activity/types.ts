/**
 * Activity events: the front-ends' record of each decision. The contract is filtering's (filtering/decision-events.ts);
 * the activity module stores what it describes.
 */
export type { ActivityEvent, ActivitySink, FrontEnd } from '../filtering/index.ts';
