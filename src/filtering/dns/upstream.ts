/**
 * Asking the upstream resolvers: UDP first with EDNS0, TCP when the answer comes back truncated, the next upstream
 * when one times out, refuses or fails, and `null` (→ SERVFAIL) when every try has failed.
 *
 * Spoofing (issue 11, item 9; issue 18, item 5): an off-path attacker who wants to plant an answer must send it to
 * the port our question left from, with its 16-bit ID, before the real answer arrives. So every try of every
 * question gets a socket of its own (RFC 5452 §9.2): a UDP socket *connected* to the upstream, on a port the kernel
 * picks at random from its ephemeral range, opened for that one question and closed as soon as it is settled. A port
 * is therefore open only while its one question is in flight — there is nothing to find by scanning for open ports
 * (the "SAD DNS" side channel) and nothing to learn from earlier questions. IDs come from the crypto generator. An
 * answer is taken only when it comes from the upstream's own address and port (the kernel already drops anything
 * else on a connected socket; we check again), carries the question's ID, and asks the same question (name compared
 * without regard to case, type and class). Anything else is dropped and counted (`stats().upstreamRejected`).
 *
 * A socket per question costs its set-up and tear-down (~17 µs here), on the forwarding path only: cached answers,
 * the great majority, never touch this file. Each open socket is a file descriptor, so `maxInflight` (1,000 by
 * default) bounds them; a question beyond it, or one for which no socket can be opened, is answered SERVFAIL.
 *
 * Connected sockets also make an upstream that is not listening show up at once (ECONNREFUSED) instead of after a
 * timeout. One timer sweeps every pending try (a timer per query would cost more than the query at high rates).
 */
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { parseDnsServer } from '../../platform/addresses.ts';
import { CD, RCODE, RD, TYPE } from './wire.ts';

/** A DNS server's address with an optional port (53 when none): platform/addresses.ts parseDnsServer. */
export const parseUpstream = parseDnsServer;

export interface UpstreamOptions {
  /** 'ip:port', '[ipv6]:port', or an IP alone for port 53; tried in this order of preference. */
  upstreams: string[];
  /** How long one try may take before the next upstream is asked, in ms. */
  attemptTimeoutMs: number;
  /** Tries per question across all upstreams (at least 1). */
  maxAttempts: number;
  /** Questions in flight at once (each holds a socket); beyond it new ones fail at once rather than queue. */
  maxInflight: number;
  /** EDNS0 UDP payload size we ask upstreams for. */
  udpSize: number;
  now: () => number;
  warn: (message: string) => void;
}

export type UpstreamDone = (response: Buffer | null) => void;

interface Server {
  label: string;
  host: string;
  port: number;
  /** Until when this upstream is tried last (it timed out or refused connections recently). */
  penaltyUntil: number;
}

interface Attempt {
  query: Buffer;
  /** Length of our question (name, type, class) from offset 12, for matching the answer's. */
  questionLength: number;
  server: number;
  /** This try's own socket, on its own random port (null while the try is not in flight over UDP). */
  socket: dgram.Socket | null;
  /** The upstream as the kernel reports the connected peer: the answer must come from exactly here. */
  peerAddress: string;
  peerPort: number;
  tries: number;
  deadline: number;
  tcp: net.Socket | null;
  finished: boolean;
  done: UpstreamDone;
}

/** How long an upstream that failed is passed over for others, in ms. */
const PENALTY_MS = 10_000;

export class UpstreamPool {
  private readonly servers: Server[];
  /** Tries in flight over UDP, each with its own socket. */
  private readonly inflight = new Set<Attempt>();
  private readonly tcpAttempts = new Set<Attempt>();
  private readonly timer: NodeJS.Timeout;
  private readonly random = new Uint16Array(2048);
  private randomNext = this.random.length;
  private closed = false;
  /** Answers dropped: not from the upstream's address and port, or not the ID and question asked on that socket. */
  rejected = 0;
  /** Sockets opened for questions so far (one per try over UDP). */
  socketsOpened = 0;

  constructor(private readonly opts: UpstreamOptions) {
    if (opts.upstreams.length === 0) throw new Error('the DNS resolver needs at least one upstream resolver');
    this.servers = opts.upstreams.map((spec) => ({ label: spec, ...parseUpstream(spec), penaltyUntil: 0 }));
    this.timer = setInterval(() => this.sweep(), Math.max(10, Math.min(100, opts.attemptTimeoutMs >> 2)));
    this.timer.unref();
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
      query, questionLength, server: this.firstServer(), socket: null, peerAddress: '', peerPort: 0, tries: 0, deadline: 0,
      tcp: null, finished: false, done,
    };
    this.sendUdp(attempt);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const attempt of this.inflight) closeQuietly(attempt.socket);
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

  /**
   * One try: a new socket connected to the upstream, on a port the kernel picks at random from its ephemeral range,
   * a new random ID, the question sent once the socket is connected, and the socket closed when the try is settled.
   */
  private sendUdp(attempt: Attempt): void {
    const server = this.servers[attempt.server];
    const socket = dgram.createSocket({ type: net.isIPv6(server.host) ? 'udp6' : 'udp4', lookup: literalLookup });
    this.socketsOpened++;
    attempt.socket = socket;
    attempt.peerAddress = '';
    attempt.peerPort = 0;
    attempt.tries++;
    attempt.deadline = this.opts.now() + this.opts.attemptTimeoutMs;
    // the query buffer is rewritten by a retry while an earlier datagram may still be queued: each try sends a copy
    const message = attempt.tries > 1 ? Buffer.from(attempt.query) : attempt.query;
    message.writeUInt16BE(this.randomId(), 0);
    if (attempt.tries > 1) message.copy(attempt.query, 0, 0, 2);
    this.inflight.add(attempt);
    socket.on('message', (msg, from) => this.onUdpAnswer(attempt, socket, msg, from));
    socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(attempt, socket, error));
    socket.connect(server.port, server.host, () => {
      if (attempt.socket !== socket) return; // settled (or timed out) before the socket was ready
      const peer = socket.remoteAddress();
      attempt.peerAddress = peer.address;
      attempt.peerPort = peer.port;
      socket.send(message);
    });
  }

  /** The try is no longer in flight over UDP: its socket, and so its port, is closed at once. */
  private leaveUdp(attempt: Attempt): void {
    this.inflight.delete(attempt);
    const socket = attempt.socket;
    attempt.socket = null;
    closeQuietly(socket);
  }

  private onUdpAnswer(attempt: Attempt, socket: dgram.Socket, msg: Buffer, from: dgram.RemoteInfo): void {
    if (attempt.socket !== socket || from.port !== attempt.peerPort || from.address !== attempt.peerAddress || msg.length < 12
      || !this.matches(attempt, msg)) {
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
    for (const attempt of this.inflight) if (attempt.deadline <= now) late.push(attempt);
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

  /**
   * Before the socket is connected, an error is ours (out of file descriptors, say): the question fails rather than
   * spin. After, it is the upstream refusing (ECONNREFUSED: nobody listening there): the next upstream is asked now
   * rather than at the timeout, and this one is passed over for a while.
   */
  private onSocketError(attempt: Attempt, socket: dgram.Socket, error: NodeJS.ErrnoException): void {
    if (attempt.socket !== socket) {
      closeQuietly(socket);
      return;
    }
    const server = this.servers[attempt.server];
    this.leaveUdp(attempt);
    if (attempt.peerPort === 0) {
      this.opts.warn(`cannot open a socket to ask the upstream ${server.label} (${error.code ?? error.message}); answering SERVFAIL`);
      this.finish(attempt, null);
      return;
    }
    const now = this.opts.now();
    if (server.penaltyUntil <= now) this.opts.warn(`DNS upstream ${server.label} is not answering (${error.code ?? error.message}); trying the others`);
    server.penaltyUntil = now + PENALTY_MS;
    this.retry(attempt);
  }

  private randomId(): number {
    if (this.randomNext >= this.random.length) {
      randomFillSync(this.random);
      this.randomNext = 0;
    }
    return this.random[this.randomNext++];
  }
}

function closeQuietly(socket: dgram.Socket | null): void {
  if (socket === null) return;
  try {
    socket.close();
  } catch {
    // already closed
  }
}

/** Upstreams are IP literals, so the socket never needs a name lookup (and must never make one). */
function literalLookup(address: string, family: unknown, callback: (error: Error | null, address: string, family: number) => void): void {
  callback(null, address, net.isIPv6(address) ? 6 : 4);
}
