/** What the monitoring API returns: the server's own schemas (src/monitoring/schemas.ts). */
import type { AlertDetailView, ContextEvent } from '../../../src/monitoring/schemas.ts';

export type { AlertSummary, ContextEvent, Evidence, PhraseImportResult as ImportResult, PhraseCategorySummary as PhraseCategory } from '../../../src/monitoring/schemas.ts';

/** One alert with its evidence; `context` is stored JSON on the server, and its items are ContextEvents. */
export type AlertDetail = Omit<AlertDetailView, 'context'> & { context: ContextEvent[] };
