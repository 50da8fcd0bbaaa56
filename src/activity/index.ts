/**
 * The activity module's front door: the pipeline that stores the front-ends' events, its line format and batch
 * writer (filter nodes push their own spool through them), and reading stored events (monitoring). Other modules
 * import from here, never the module's other files (lint: eslint.config.js).
 */
export { decodeLine, totalKeyOf, type StoredEvent } from './encode.ts';
export { utcDayOf } from './partitions.ts';
export { startActivityPipeline, type ActivityPipeline } from './pipeline.ts';
export { findActivity, type ActivityRow } from './store.ts';
export type { ActivityEvent, ActivitySink, FrontEnd } from './types.ts';
export { ActivityRejectedError, DatabaseActivityWriter, type ActivityBatch, type ActivityBatchWriter } from './writer.ts';
