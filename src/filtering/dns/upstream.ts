/**
 * Asking the upstream resolvers: UDP first with EDNS0, TCP when the answer comes back truncated, the next upstream
 * when one times out, refuses or fails, and `null` (→ SERVFAIL) when every try has failed.
 *
 * Spoofing (issue 11, item 9): an off-path attacker who wants to plant an answer must send it to the port our
 * question left from, with its 16-bit ID, before the real answer arrives. So each upstream gets a pool of
 * *connected* UDP sockets (128 by default), each bound by the kernel to a random ephemeral port. Questions take
 * the pool's sockets in a fresh random order each round, so no two questions of a round share a port, and a socket
 * is replaced by a new one (a new random port) after a random handful of questions (16 on average) or two minutes.
 * IDs come from the crypto generator. An answer is taken only when it comes from the upstream's own address and
 * port (the kernel already drops anything else on a connected socket; we check again), carries the ID of a question
 * in flight on that socket, and asks the same question (name compared without regard to case, type and class).
 * Anything else is dropped and counted (`stats().upstreamRejected`). A socket per question would be stronger still
 * by a hair but costs a socket's set-up and tear-down per question (measured: ~17 µs, about as much as the rest of
 * forwarding); a socket here lives for ~16 questions, so that cost almost vanishes.
 *
 * Connected sockets also make an upstream that is not listening show up at once (ECONNREFUSED) instead of after a
 * timeout. One timer sweeps every pending try (a timer per query would cost more than the query at high rates).
 */
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { CD, RCODE, RD, TYPE } from './wire.ts';

export interface UpstreamOptions {
  /** 'ip:port', '[ipv6]:port', or an IP alone for port 53; tried in this order of preference. */
  upstreams: string[];
  /** How long one try may take before the next upstream is asked, in ms. */
  attemptTimeoutMs: number;
  /** Tries per question across all upstreams (at least 1). */
  maxAttempts: number;
  /** Questions in flight at once; beyond it new ones fail at once rather than queue without bound. */
  maxInflight: number;
  /** EDNS0 UDP payload size we ask upstreams for. */
  udpSize: number;
  /** UDP sockets (so source ports) open to each upstream at once; default 128. */
  socketsPerUpstream?: number;
  /** Questions a socket asks, on average, before a socket on a new port takes its place; default 16. */
  questionsPerSocket?: number;
  /** The longest a socket is kept, in ms, however few questions it has asked; default 120,000. */
  maxSocketAgeMs?: number;
  now: () => number;
  warn: (message: string) => void;
}

export type UpstreamDone = (response: Buffer | null) => void;

/** One UDP socket connected to one upstream, on its own random source port. */
interface UpstreamSocket {
  /** Unique for the pool's life; with a question's ID it keys the question in flight. */
  readonly serial: number;
  readonly socket: dgram.Socket;
  readonly server: number;
  /** The upstream as the kernel reports the connected peer: every answer must come from exactly here. */
  peerAddress: string;
  peerPort: number;
  /** Questions in flight on this socket (a replaced socket stays open until they are settled). */
  pending: number;
  /** Questions left before it is replaced; random, so replacements are spread out and cannot be predicted. */
  budget: number;
  openedAt: number;
  replacing: boolean;
  retired: boolean;
}

interface Server {
  label: string;
  host: string;
  port: number;
  /** The sockets in service. */
  sockets: UpstreamSocket[];
  /** This round: every socket in service once, in a random order; the next question takes the next one. */
  round: UpstreamSocket[];
  next: number;
  /** Until when this upstream is tried last (it timed out or refused connections recently). */
  penaltyUntil: number;
}

interface Attempt {
  query: Buffer;
  /** Length of our question (name, type, class) from offset 12, for matching the answer's. */
  questionLength: number;
  server: number;
  /** The socket this try went out on (null while it is not in flight over UDP). */
  socket: UpstreamSocket | null;
  slot: number;
  tries: number;
  deadline: number;
  tcp: net.Socket | null;
  finished: boolean;
  done: UpstreamDone;
}

/** How long an upstream that failed is passed over for others, in ms. */
const PENALTY_MS = 10_000;
const SLOT = 0x10000;

export function parseUpstream(spec: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  const host = match ? match[1] : spec;
  const port = match?.[2] !== undefined ? Number(match[2]) : 53;
  if (net.isIP(host) === 0 || !(port > 0 && port < 65536)) {
    throw new Error(`DNS upstream '${spec}' is not an IP address with an optional port (e.g. 192.0.2.53:53 or [2001:db8::53]:53)`);
  }
  return { host, port };
}

export class UpstreamPool {
  private readonly servers: Server[];
  /** Every socket open, in service or replaced but still waiting for answers. */
  private readonly open = new Set<UpstreamSocket>();
  private readonly inflight = new Map<number, Attempt>();
  private readonly tcpAttempts = new Set<Attempt>();
  private readonly timer: NodeJS.Timeout;
  private readonly random = new Uint16Array(2048);
  private randomNext = this.random.length;
  private readonly socketsPerUpstream: number;
  private readonly questionsPerSocket: number;
  private readonly maxSocketAgeMs: number;
  private serial = 0;
  private closed = false;
  /** Answers dropped: not from the upstream's address and port, or no question in flight with that ID and question. */
  rejected = 0;

  constructor(private readonly opts: UpstreamOptions) {
    if (opts.upstreams.length === 0) throw new Error('the DNS resolver needs at least one upstream resolver');
    this.servers = opts.upstreams.map((spec) => ({ label: spec, ...parseUpstream(spec), sockets: [], round: [], next: 0, penaltyUntil: 0 }));
    this.socketsPerUpstream = Math.max(1, Math.floor(opts.socketsPerUpstream ?? 128));
    this.questionsPerSocket = Math.max(1, Math.floor(opts.questionsPerSocket ?? 16));
    this.maxSocketAgeMs = opts.maxSocketAgeMs ?? 120_000;
    this.timer = setInterval(() => this.sweep(), Math.max(10, Math.min(100, opts.attemptTimeoutMs >> 2)));
    this.timer.unref();
  }

  async start(): Promise<void> {
    await Promise.all(this.servers.flatMap((server, s) => Array.from({ length: this.socketsPerUpstream }, async () => {
      server.sockets.push(await this.openSocket(s));
    })));
  }

  get pending(): number {
    return this.inflight.size + this.tcpAttempts.size;
  }

  /** Asks the upstreams one question (`name` in wire form); `done` is called exactly once, perhaps at once. */
  query(name: Uint8Array, qtype: number, qclass: number, dnssecOk: boolean, checkingDisabled: boolean, done: UpstreamDone): void {
    if (this.closed || this.pending >= this.opts.maxInflight) {
      done(null);
      return;
    }
    const questionLength = name.length + 4;
    const query = Buffer.alloc(12 + questionLength + 11);
    query.writeUInt16BE(RD | (checkingDisabled ? CD : 0), 2);
    query[5] = 1; // QDCOUNT
    query[11] = 1; // ARCOUNT: our OPT record
    query.set(name, 12);
    let p = 12 + name.length;
    query.writeUInt16BE(qtype, p);
    query.writeUInt16BE(qclass, p + 2);
    p += 4;
    query.writeUInt16BE(TYPE.OPT, p + 1);
    query.writeUInt16BE(this.opts.udpSize, p + 3);
    if (dnssecOk) query[p + 7] = 0x80;
    const attempt: Attempt = {
      query, questionLength, server: this.firstServer(), socket: null, slot: -1, tries: 0, deadline: 0, tcp: null, finished: false, done,
    };
    this.sendUdp(attempt);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const upstreamSocket of this.open) upstreamSocket.socket.close();
    this.open.clear();
    for (const attempt of this.tcpAttempts) attempt.tcp?.destroy();
    this.inflight.clear();
    this.tcpAttempts.clear();
  }

  /** The most preferred upstream that has not failed lately (or, if all have, the one that failed longest ago). */
  private firstServer(): number {
    const now = this.opts.now();
    let best = 0;
    for (let i = 0; i < this.servers.length; i++) {
      if (this.servers[i].penaltyUntil <= now) return i;
      if (this.servers[i].penaltyUntil < this.servers[best].penaltyUntil) best = i;
    }
    return best;
  }

  /** A UDP socket connected to the upstream, on a port the kernel picks at random from its ephemeral range. */
  private async openSocket(serverIndex: number): Promise<UpstreamSocket> {
    const server = this.servers[serverIndex];
    const socket = dgram.createSocket({ type: net.isIPv6(server.host) ? 'udp6' : 'udp4', lookup: literalLookup });
    const upstreamSocket: UpstreamSocket = {
      serial: this.serial++, socket, server: serverIndex, peerAddress: '', peerPort: 0, pending: 0, budget: this.newBudget(),
      openedAt: this.opts.now(), replacing: false, retired: false,
    };
    socket.on('message', (msg, from) => this.onUdpAnswer(upstreamSocket, msg, from));
    this.open.add(upstreamSocket);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(server.port, server.host, () => { socket.off('error', reject); resolve(); });
      });
    } catch (error) {
      this.closeSocket(upstreamSocket);
      throw error;
    }
    // from now on an error means the upstream refused a question (ECONNREFUSED), not that the socket could not open
    socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(serverIndex, error));
    const peer = socket.remoteAddress();
    upstreamSocket.peerAddress = peer.address;
    upstreamSocket.peerPort = peer.port;
    if (this.closed) this.closeSocket(upstreamSocket);
    return upstreamSocket;
  }

  /** Between half and one and a half times `questionsPerSocket`. */
  private newBudget(): number {
    const q = this.questionsPerSocket;
    return Math.max(1, (q >> 1) + this.randomBelow(q + 1));
  }

  /** The next socket of this round; a new round, in a new random order, when this one is used up. */
  private takeSocket(server: Server): UpstreamSocket {
    for (;;) {
      if (server.next >= server.round.length) this.newRound(server);
      const upstreamSocket = server.round[server.next++];
      if (!upstreamSocket.retired) return upstreamSocket;
    }
  }

  /** Replaces the sockets that have asked their share (or grown old), then shuffles the ones in service. */
  private newRound(server: Server): void {
    const now = this.opts.now();
    for (const upstreamSocket of server.sockets) {
      if (!upstreamSocket.replacing && (upstreamSocket.budget <= 0 || now - upstreamSocket.openedAt >= this.maxSocketAgeMs)) {
        this.replace(server, upstreamSocket);
      }
    }
    const round = server.sockets.slice();
    for (let i = round.length - 1; i > 0; i--) { // Fisher–Yates, with the crypto generator
      const j = this.randomBelow(i + 1);
      const t = round[i];
      round[i] = round[j];
      round[j] = t;
    }
    server.round = round;
    server.next = 0;
  }

  /** Opens a socket on a new port and swaps it in; the old one closes once its questions are settled. */
  private replace(server: Server, old: UpstreamSocket): void {
    old.replacing = true;
    this.openSocket(old.server).then((fresh) => {
      if (this.closed) return;
      server.sockets[server.sockets.indexOf(old)] = fresh;
      old.retired = true;
      if (old.pending === 0) this.closeSocket(old);
    }, (error: Error) => {
      // out of file descriptors, say: keep the old socket a while longer rather than shrink the pool
      old.replacing = false;
      old.budget = this.newBudget();
      this.opts.warn(`DNS resolver: cannot open a new socket to the upstream ${server.label} (${error.message}); keeping an older one for now`);
    });
  }

  private closeSocket(upstreamSocket: UpstreamSocket): void {
    if (this.open.delete(upstreamSocket)) upstreamSocket.socket.close();
  }

  private sendUdp(attempt: Attempt): void {
    const upstreamSocket = this.takeSocket(this.servers[attempt.server]);
    upstreamSocket.budget--;
    let id = this.randomId();
    while (this.inflight.has(upstreamSocket.serial * SLOT + id)) id = this.randomId();
    attempt.query.writeUInt16BE(id, 0);
    attempt.slot = upstreamSocket.serial * SLOT + id;
    attempt.socket = upstreamSocket;
    upstreamSocket.pending++;
    attempt.tries++;
    attempt.deadline = this.opts.now() + this.opts.attemptTimeoutMs;
    this.inflight.set(attempt.slot, attempt);
    // a retry rewrites the ID: send a copy, in case the earlier datagram is still queued in the socket
    upstreamSocket.socket.send(attempt.tries > 1 ? Buffer.from(attempt.query) : attempt.query);
  }

  /** The try is no longer in flight over UDP: its socket may close if it has been replaced meanwhile. */
  private leaveUdp(attempt: Attempt): void {
    this.inflight.delete(attempt.slot);
    const upstreamSocket = attempt.socket;
    if (upstreamSocket === null) return;
    attempt.socket = null;
    upstreamSocket.pending--;
    if (upstreamSocket.retired && upstreamSocket.pending === 0) this.closeSocket(upstreamSocket);
  }

  private onUdpAnswer(upstreamSocket: UpstreamSocket, msg: Buffer, from: dgram.RemoteInfo): void {
    if (from.port !== upstreamSocket.peerPort || from.address !== upstreamSocket.peerAddress || msg.length < 12) {
      this.rejected++;
      return;
    }
    const attempt = this.inflight.get(upstreamSocket.serial * SLOT + ((msg[0] << 8) | msg[1]));
    if (attempt === undefined || !this.matches(attempt, msg)) {
      this.rejected++; // late, spoofed or confused: keep waiting for the real answer
      return;
    }
    this.leaveUdp(attempt);
    if ((msg[2] & 0x02) !== 0) this.sendTcp(attempt); // truncated: the same upstream, over TCP (RFC 7766)
    else this.settle(attempt, msg);
  }

  /** Our ID, a response to a QUERY, one question, and the same question as ours (names compared without case). */
  private matches(attempt: Attempt, msg: Buffer): boolean {
    const query = attempt.query;
    if ((msg[2] & 0xf8) !== 0x80 || msg[4] !== 0 || msg[5] !== 1 || msg[0] !== query[0] || msg[1] !== query[1]) return false;
    const end = 12 + attempt.questionLength;
    if (msg.length < end) return false;
    for (let i = 12; i < end; i++) {
      const a = msg[i];
      const b = query[i];
      if (a !== b && ((a | 0x20) !== (b | 0x20) || (a | 0x20) < 97 || (a | 0x20) > 122)) return false;
    }
    return true;
  }

  /** An answer came back: relay it, unless it is a server failure and another upstream may do better. */
  private settle(attempt: Attempt, msg: Buffer): void {
    const rcode = msg[3] & 0xf;
    const failed = rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED || rcode === RCODE.NOTIMP || rcode === RCODE.FORMERR;
    if (failed && this.servers.length > 1) {
      this.retry(attempt);
      return;
    }
    this.finish(attempt, failed ? null : msg);
  }

  private retry(attempt: Attempt): void {
    if (attempt.tries >= this.opts.maxAttempts || this.closed) {
      this.finish(attempt, null);
      return;
    }
    attempt.server = this.nextServer(attempt.server);
    this.sendUdp(attempt);
  }

  private nextServer(current: number): number {
    const now = this.opts.now();
    for (let step = 1; step <= this.servers.length; step++) {
      const i = (current + step) % this.servers.length;
      if (this.servers[i].penaltyUntil <= now) return i;
    }
    return (current + 1) % this.servers.length;
  }

  private finish(attempt: Attempt, msg: Buffer | null): void {
    if (attempt.finished) return;
    attempt.finished = true;
    attempt.done(msg);
  }

  private sendTcp(attempt: Attempt): void {
    const server = this.servers[attempt.server];
    const socket = net.connect({ host: server.host, port: server.port });
    attempt.tcp = socket;
    attempt.deadline = this.opts.now() + this.opts.attemptTimeoutMs;
    this.tcpAttempts.add(attempt);
    const frame = Buffer.alloc(2 + attempt.query.length);
    frame.writeUInt16BE(attempt.query.length, 0);
    attempt.query.copy(frame, 2);
    socket.setNoDelay(true);
    socket.write(frame);
    let received: Buffer = Buffer.alloc(0);
    const giveUp = () => {
      if (attempt.tcp !== socket) return;
      attempt.tcp = null;
      this.tcpAttempts.delete(attempt);
      socket.destroy();
      this.retry(attempt);
    };
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const msg = received.subarray(2, 2 + received.readUInt16BE(0));
      if (!this.matches(attempt, msg)) return giveUp();
      attempt.tcp = null;
      this.tcpAttempts.delete(attempt);
      socket.destroy();
      this.settle(attempt, msg);
    });
    socket.on('error', giveUp);
    socket.on('close', giveUp);
  }

  /** Timed-out tries go to the next upstream, and the upstream that let them down is passed over for a while. */
  private sweep(): void {
    const now = this.opts.now();
    const late: Attempt[] = [];
    for (const attempt of this.inflight.values()) if (attempt.deadline <= now) late.push(attempt);
    for (const attempt of late) {
      this.leaveUdp(attempt);
      this.servers[attempt.server].penaltyUntil = now + PENALTY_MS;
      this.retry(attempt);
    }
    for (const attempt of this.tcpAttempts) {
      if (attempt.deadline > now) continue;
      this.servers[attempt.server].penaltyUntil = now + PENALTY_MS;
      attempt.tcp?.destroy(); // its 'close' handler moves it on
    }
  }

  /** ECONNREFUSED and the like: nobody is listening there, so move its questions on now rather than at timeout. */
  private onSocketError(serverIndex: number, error: NodeJS.ErrnoException): void {
    const server = this.servers[serverIndex];
    const now = this.opts.now();
    if (server.penaltyUntil <= now) this.opts.warn(`DNS upstream ${server.label} is not answering (${error.code ?? error.message}); trying the others`);
    server.penaltyUntil = now + PENALTY_MS;
    const stranded = [...this.inflight.values()].filter((attempt) => attempt.server === serverIndex);
    for (const attempt of stranded) {
      this.leaveUdp(attempt);
      this.retry(attempt);
    }
  }

  private randomId(): number {
    if (this.randomNext >= this.random.length) {
      randomFillSync(this.random);
      this.randomNext = 0;
    }
    return this.random[this.randomNext++];
  }

  /** A uniform random integer in [0, n) for n ≤ 65,536 (values past the last whole multiple of n are drawn again). */
  private randomBelow(n: number): number {
    const limit = SLOT - (SLOT % n);
    let r = this.randomId();
    while (r >= limit) r = this.randomId();
    return r % n;
  }
}

/** Upstreams are IP literals, so the socket never needs a name lookup (and must never make one). */
function literalLookup(address: string, family: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  callback(null, address, net.isIPv6(address) ? 6 : 4);
}
