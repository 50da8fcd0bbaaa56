/** What the monitoring API returns (src/monitoring/service.ts). */
export interface AlertSummary {
  id: string; ruleName: string; kind: string; category: string | null; categoryName: string | null;
  severity: 'critical' | 'high' | 'medium' | 'low'; priority: number; delivery: string;
  status: 'open' | 'acknowledged' | 'dismissed' | 'escalated';
  person: { id: string; name: string; username: string; yearGroup: string | null } | null;
  username: string | null; ip: string | null; deviceId: string | null; score: number;
  firstEventAt: string; lastEventAt: string; createdAt: string;
  handledBy: string | null; handledAt: string | null; handledReason: string | null; incidentId: string | null;
}
export interface Evidence {
  eventId: string; eventTime: string; host: string; url: string | null; searchTerm: string | null; filterCategory: string | null;
  action: string; reason: string; score: number; riskCategory: string | null; phrases: Array<{ category: string; phrase: string; weight: number }>;
}
export interface ContextEvent { id: string; time: string; host: string; url: string | null; searchTerm: string | null; categoryId: string | null; action: string }
export interface AlertDetail extends AlertSummary {
  evidence: Evidence[]; context: ContextEvent[]; actions: Array<{ at: string; by: string; action: string; reason: string | null }>;
}
export interface PhraseCategory { id: string; name: string; phrases: number }
export interface ImportResult {
  category: string; read: number; added: number; changed: number; unchanged: number; encoding: string; dryRun: boolean;
  problems: Array<{ file?: string; line: number; text: string; message: string }>;
}
