/**
 * Prometheus text exposition for /metrics: request counts and durations by route, the process's memory, and the
 * activity log's and monitoring's progress (spool size, replay, waiting batches).
 */
import type { ServerHealth } from './context.ts';

function healthLines(h: ServerHealth): string[] {
  const a = h.activity;
  const m: Array<[string, 'counter' | 'gauge', string, number]> = [
    ['osprey_activity_events_emitted_total', 'counter', 'Activity events recorded by the filter since the start.', a.emitted],
    ['osprey_activity_events_stored_total', 'counter', 'Activity events stored in the database since the start (replayed ones included).', a.stored],
    ['osprey_activity_events_dropped_total', 'counter', 'Activity events not recorded because the spool was full or failing. Should stay 0.', a.dropped],
    ['osprey_activity_events_set_aside_total', 'counter', 'Activity events the database refused, kept in spool/activity-rejected.jsonl.', a.setAside],
    ['osprey_activity_waiting_batches', 'gauge', 'Batches of activity on disk waiting for the database.', a.waitingBatches],
    ['osprey_activity_spool_bytes', 'gauge', 'Bytes in the activity spool folder.', a.spoolBytes],
    ['osprey_activity_spool_max_bytes', 'gauge', 'The most the spool may hold (OSPREY_SPOOL_MAX_MB).', a.spoolMaxBytes],
    ['osprey_activity_spool_full', 'gauge', '1 while the spool is full and new activity is not recorded.', a.spoolFull ? 1 : 0],
    ['osprey_activity_database_ok', 'gauge', '1 while the database takes activity.', a.databaseOk ? 1 : 0],
    ['osprey_activity_replay_bytes', 'gauge', 'Bytes of activity the previous run left in the spool, replayed in the background.', a.replayBytes],
    ['osprey_activity_replayed_bytes', 'gauge', 'Bytes of that replay stored so far.', a.replayedBytes],
    ['osprey_monitoring_events_scored_total', 'counter', 'Activity events scored by monitoring since the start.', h.monitoring.scored],
    ['osprey_monitoring_waiting_batches', 'gauge', 'Stored batches waiting to be scored by monitoring.', h.monitoring.queuedBatches],
    ['osprey_database_waiting_statements', 'gauge', 'Statements waiting for the embedded database (0 on PostgreSQL).', h.databaseQueue],
  ];
  return m.flatMap(([name, type, help, value]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`]);
}

/** Prometheus text exposition for /metrics: request counts and durations by route, and the process's memory. */
export class Metrics {
  private readonly requests = new Map<string, { count: number; seconds: number }>();
  private readonly started = Date.now();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${route.replace(/"/g, '')}",status="${status}"`;
    const m = this.requests.get(key) ?? { count: 0, seconds: 0 };
    m.count++;
    m.seconds += seconds;
    this.requests.set(key, m);
  }

  render(health?: ServerHealth): string {
    const mem = process.memoryUsage();
    const lines = [
      '# HELP osprey_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE osprey_http_requests_total counter',
      ...[...this.requests].map(([k, v]) => `osprey_http_requests_total{${k}} ${v.count}`),
      '# HELP osprey_http_request_seconds_total Time spent answering HTTP requests, in seconds.',
      '# TYPE osprey_http_request_seconds_total counter',
      ...[...this.requests].map(([k, v]) => `osprey_http_request_seconds_total{${k}} ${v.seconds.toFixed(6)}`),
      '# HELP osprey_process_resident_memory_bytes Resident memory of the Osprey process.',
      '# TYPE osprey_process_resident_memory_bytes gauge',
      `osprey_process_resident_memory_bytes ${mem.rss}`,
      '# HELP osprey_process_heap_used_bytes JavaScript heap in use.',
      '# TYPE osprey_process_heap_used_bytes gauge',
      `osprey_process_heap_used_bytes ${mem.heapUsed}`,
      '# HELP osprey_process_uptime_seconds Seconds since the process started.',
      '# TYPE osprey_process_uptime_seconds gauge',
      `osprey_process_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(0)}`,
    ];
    if (health) lines.push(...healthLines(health));
    return lines.join('\n') + '\n';
  }
}
