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

  render(): string {
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
    return lines.join('\n') + '\n';
  }
}
