/**
 * The DNS decision path (ARCHITECTURE: "the three paths", 1): parse → identify the client by its address → decide
 * on the name with the school's current snapshot → answer: block page / NXDOMAIN, SafeSearch CNAME, or the
 * upstream's answer from the cache or from the network. Everything up to the network is synchronous; one question
 * in flight serves every client that asks it meanwhile.
 */
import { decide, type Decision } from '../engine/index.ts';
import type { FilterView } from '../frontend-types.ts';
import { headerOnly, readAnswer, responseLimit, servfail, serveAnswer, type Answer, type ClientQuery, type TtlLimits } from './answer.ts';
import type { DnsActivity } from './activity.ts';
import type { AnswerCache } from './cache.ts';
import { blockedResponse, composeSafeSearch, type BlockAnswers } from './synthesise.ts';
import type { UpstreamPool } from './upstream.ts';
import { CD, CLASS_IN, encodeName, newParsedQuery, PARSE_DROP, PARSE_OK, parseQuery, RCODE, TYPE, type ParsedQuery } from './wire.ts';

/** R6.4: a person who has not signed their agreement gets block answers for everything but the Osprey server. */
const AGREEMENT_REQUIRED: Decision = { action: 'block', reason: 'agreement_required', policyId: 'agreements' };

/** Where an answer goes back: a UDP listener (to the address and port given) or one TCP connection. */
export interface ClientTransport {
  readonly udp: boolean;
  send(message: Buffer, port: number, address: string): void;
}

export interface ResolverSettings {
  block: BlockAnswers;
  /** DNS cannot show a warning page: 'block' answers `warn` decisions like blocks, 'allow' resolves them. */
  warnAs: 'block' | 'allow';
  /** Our EDNS0 UDP payload size: the most we send over UDP and what we advertise. */
  udpSize: number;
  limits: TtlLimits;
  /** Clients waiting on one question; more get SERVFAIL rather than grow the queue without bound. */
  maxWaiters: number;
  now: () => number;
}

interface Waiter extends ClientQuery {
  msg: Buffer;
  address: string;
  port: number;
  transport: ClientTransport;
  /** For SafeSearch: the composed answer's cache key; the lookup itself is for the provider's safe host. */
  safeSearchKey: string | null;
  safeSearchTarget: Buffer | null;
}

export interface DnsStats {
  queries: number;
  dropped: number;
  malformed: number;
  blocked: number;
  safeSearch: number;
  cacheHits: number;
  forwarded: number;
  failures: number;
}

export class DnsResolverCore {
  readonly stats: DnsStats = { queries: 0, dropped: 0, malformed: 0, blocked: 0, safeSearch: 0, cacheHits: 0, forwarded: 0, failures: 0 };
  private readonly q: ParsedQuery = newParsedQuery();
  private readonly request: { host: string; groupIds: readonly string[]; time: number } = { host: '', groupIds: [], time: 0 };
  private readonly lookups = new Map<string, Waiter[]>();
  private readonly targetNames = new Map<string, Buffer>();

  constructor(
    private readonly view: FilterView,
    private readonly settings: ResolverSettings,
    private readonly cache: AnswerCache,
    private readonly pool: UpstreamPool,
    private readonly activity: DnsActivity,
    private readonly warn: (message: string) => void,
  ) {}

  /** One message from a client. Returns false when it was dropped (no answer will be sent). Never throws. */
  handle(msg: Buffer, address: string, port: number, transport: ClientTransport): boolean {
    this.stats.queries++;
    const q = this.q;
    try {
      const code = parseQuery(msg, q);
      if (code !== PARSE_OK) {
        if (code === PARSE_DROP) {
          this.stats.dropped++;
          return false;
        }
        this.stats.malformed++;
        transport.send(headerOnly(msg, q, code, code !== RCODE.FORMERR, this.settings.udpSize), port, address);
        return true;
      }
      if (q.qclass !== CLASS_IN || q.qtype === TYPE.OPT || (q.qtype >= 128 && q.qtype <= 255)) {
        // other classes (CHAOS "version.bind" probes) are refused; meta-types (AXFR, IXFR, ANY, TSIG …) and OPT
        // as a question are not something a filtering forwarder answers (RFC 8482 allows NOTIMP for ANY)
        const rcode = q.qclass !== CLASS_IN ? RCODE.REFUSED : q.qtype === TYPE.OPT ? RCODE.FORMERR : RCODE.NOTIMP;
        transport.send(headerOnly(msg, q, rcode, rcode !== RCODE.FORMERR, this.settings.udpSize), port, address);
        return true;
      }
      this.decideAndAnswer(msg, q, address, port, transport);
    } catch (error) {
      this.stats.failures++;
      this.warn(`DNS query from ${address} could not be answered: ${(error as Error).message}`);
      if (q.questionEnd > 0) transport.send(servfail(msg, q, this.settings.udpSize), port, address);
    }
    return true;
  }

  private decideAndAnswer(msg: Buffer, q: ParsedQuery, address: string, port: number, transport: ClientTransport): void {
    const now = this.settings.now();
    if (q.host === '') {
      // the root zone (`dig . NS`, resolver health checks) names no site, so there is nothing to decide
      this.forward(msg, q, address, port, transport, now);
      return;
    }
    const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
    const identity = this.view.identify(ip);
    const request = this.request; // reused: decide() reads it and keeps nothing of it
    request.host = q.host;
    request.groupIds = identity.groupIds;
    request.time = now;
    const held = identity.personId !== undefined && q.host !== this.view.portalHost && this.view.agreementRequired?.(identity.personId) === true;
    const decision = held ? AGREEMENT_REQUIRED : decide(this.view.snapshotFor(identity.schoolId), request);
    this.activity.record(decision, identity, ip, q.host, now);
    const action = decision.action;
    if (action === 'block' || (action === 'warn' && this.settings.warnAs === 'block')) {
      this.stats.blocked++;
      const negative = decision.reason === 'circumvention_host' || this.settings.block.mode === 'nxdomain';
      transport.send(blockedResponse(msg, q, this.settings.block, negative, this.settings.udpSize), port, address);
    } else if (action === 'safesearch' && decision.safeSearchHost !== undefined) {
      this.stats.safeSearch++;
      this.safeSearch(msg, q, decision, address, port, transport, now);
    } else {
      this.forward(msg, q, address, port, transport, now);
    }
  }

  private forward(msg: Buffer, q: ParsedQuery, address: string, port: number, transport: ClientTransport, now: number): void {
    const key = cacheKey(q.keyName, q);
    const hit = this.cache.get(key, now);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      this.send(hit, msg, q, address, port, transport, now);
      return;
    }
    this.enqueue(key, msg.subarray(12, q.nameEnd), q, this.waiter(msg, q, address, port, transport, null, null));
  }

  private safeSearch(msg: Buffer, q: ParsedQuery, decision: Decision, address: string, port: number, transport: ClientTransport, now: number): void {
    const targetHost = decision.safeSearchHost as string;
    const key = `${cacheKey(q.keyName, q)}\u0101${targetHost}`;
    const composed = this.cache.get(key, now);
    if (composed !== undefined) {
      this.stats.cacheHits++;
      this.send(composed, msg, q, address, port, transport, now);
      return;
    }
    let target = this.targetNames.get(targetHost);
    if (target === undefined) this.targetNames.set(targetHost, (target = encodeName(targetHost)));
    const waiter = this.waiter(msg, q, address, port, transport, key, target);
    const targetKey = cacheKey(targetHost, q);
    const targetAnswer = this.cache.get(targetKey, now);
    if (targetAnswer !== undefined) this.deliver(waiter, targetAnswer, now);
    else this.enqueue(targetKey, target, q, waiter); // an internal lookup: no activity event of its own
  }

  private waiter(
    msg: Buffer, q: ParsedQuery, address: string, port: number, transport: ClientTransport, safeSearchKey: string | null,
    safeSearchTarget: Buffer | null,
  ): Waiter {
    return { id: q.id, flags: q.flags, questionEnd: q.questionEnd, edns: q.edns, udpSize: q.udpSize, dnssecOk: q.dnssecOk,
      msg, address, port, transport, safeSearchKey, safeSearchTarget };
  }

  /** Asks the upstreams, unless the same question is already on its way (then the client waits for that answer). */
  private enqueue(key: string, name: Uint8Array, q: ParsedQuery, waiter: Waiter): void {
    const waiting = this.lookups.get(key);
    if (waiting !== undefined) {
      if (waiting.length < this.settings.maxWaiters) waiting.push(waiter);
      else this.deliver(waiter, null, this.settings.now());
      return;
    }
    this.lookups.set(key, [waiter]);
    this.stats.forwarded++;
    this.pool.query(name, q.qtype, CLASS_IN, q.dnssecOk, (q.flags & CD) !== 0, (response) => this.answered(key, response));
  }

  private answered(key: string, response: Buffer | null): void {
    const waiters = this.lookups.get(key);
    this.lookups.delete(key);
    if (waiters === undefined) return;
    const now = this.settings.now();
    let answer: Answer | null = null;
    if (response !== null) {
      answer = readAnswer(response, now, this.settings.limits, key);
      if (answer === null) this.warn('an upstream DNS answer could not be read; answering SERVFAIL');
    }
    if (answer !== null) this.cache.set(answer);
    for (const waiter of waiters) {
      try {
        this.deliver(waiter, answer, now);
      } catch (error) {
        this.warn(`DNS answer could not be sent to ${waiter.address}: ${(error as Error).message}`);
      }
    }
  }

  private deliver(waiter: Waiter, answer: Answer | null, now: number): void {
    if (answer !== null && waiter.safeSearchKey !== null) {
      let composed = this.cache.get(waiter.safeSearchKey, now) ?? null;
      if (composed === null) {
        composed = composeSafeSearch(waiter.safeSearchKey, waiter.msg, waiter, waiter.safeSearchTarget as Buffer, answer, now, this.settings.limits);
        if (composed !== null) this.cache.set(composed);
      }
      answer = composed;
    }
    if (answer === null) {
      this.stats.failures++;
      waiter.transport.send(servfail(waiter.msg, waiter, this.settings.udpSize), waiter.port, waiter.address);
    } else {
      this.send(answer, waiter.msg, waiter, waiter.address, waiter.port, waiter.transport, now);
    }
  }

  private send(answer: Answer, msg: Buffer, q: ClientQuery, address: string, port: number, transport: ClientTransport, now: number): void {
    const limit = responseLimit(q, transport.udp, this.settings.udpSize);
    transport.send(serveAnswer(answer, msg, q, limit, this.settings.udpSize, now), port, address);
  }
}

/**
 * Answers differ by name, type, and whether DNSSEC records (DO) or unvalidated data (CD) were asked for; the
 * class is always IN here. The commonest question, a plain A, is keyed by the name alone (no string to build);
 * U+0100 cannot occur in a name read one byte per character, so the other keys cannot collide with a name.
 */
function cacheKey(name: string, q: ParsedQuery): string {
  const checking = (q.flags & CD) !== 0;
  if (q.qtype === TYPE.A && !q.dnssecOk && !checking) return name;
  return `${name}\u0100${q.qtype}${q.dnssecOk ? '+' : ''}${checking ? '!' : ''}`;
}
