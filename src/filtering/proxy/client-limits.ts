/**
 * Concurrent connections per client address, counted across all worker threads in one SharedArrayBuffer, so one
 * device (a misbehaving app, a slow-loris attack) cannot take every connection the proxy has. Addresses are hashed
 * into a fixed table of counters; two addresses that share a slot share a budget, which only makes the limit
 * stricter for them, and with 65,536 slots a school's few thousand devices rarely meet.
 */
const SLOTS = 65_536;

export class ClientConnections {
  readonly counters: Int32Array;

  constructor(buffer?: SharedArrayBuffer) {
    this.counters = new Int32Array(buffer ?? new SharedArrayBuffer(SLOTS * 4));
  }

  get buffer(): SharedArrayBuffer { return this.counters.buffer as SharedArrayBuffer; }

  /** Counts a new connection; false (and not counted) when the address already has `limit`. */
  open(ip: string, limit: number): boolean {
    const slot = slotOf(ip);
    if (Atomics.add(this.counters, slot, 1) >= limit) {
      Atomics.sub(this.counters, slot, 1);
      return false;
    }
    return true;
  }

  close(ip: string): void {
    Atomics.sub(this.counters, slotOf(ip), 1);
  }
}

/** FNV-1a over the address text. */
function slotOf(ip: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ip.length; i++) h = Math.imul(h ^ ip.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SLOTS;
}
