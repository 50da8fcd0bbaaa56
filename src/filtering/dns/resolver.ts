/**
 * The DNS decision path (ARCHITECTURE: "the three paths", 1): parse → identify the client by its address (and
 * refuse it when it is not on the school's networks) → decide on the name with the school's current snapshot →
 * answer: block page / NXDOMAIN, SafeSearch CNAME, or the upstream's answer from the cache or from the network —
 * blocked after all when its CNAME chain leads to a blocked name. Everything up to the network is synchronous; one
 * question in flight serves every client that asks it meanwhile.
 */
import { decide, type Decision } from '../engine/index.ts';
import type { FilterView } from '../frontend-types.ts';
import type { ClientIdentity } from '../identity/types.ts';
import { headerOnly, readAnswer, responseLimit, servfail, serveAnswer, type Answer, type ClientQuery, type TtlLimits } from './answer.ts';
import type { DnsActivity } from './activity.ts';
import type { AnswerCache } from './cache.ts';
import type { AllowedClients } from './clients.ts';
import {
  blockedResponse, composeSafeSearch, EDE_BLOCKED, extendedError, LOCAL_ANSWERS, localName, WPAD_ANSWERS, type BlockAnswers,
} from './synthesise.ts';
import type { UpstreamPool } from './upstream.ts';
import { CD, CLASS_IN, encodeName, newParsedQuery, PARSE_DROP, PARSE_OK, parseQuery, RCODE, TYPE, type ParsedQuery } from './wire.ts';

const DNSKEY = 48;

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
  /** Addresses answered besides the devices the school knows (see clients.ts); everyone else is REFUSED. */
  allowed: AllowedClients;
  now: () => number;
}

/**
 * A forwarded question's decision, recorded when its answer goes out: by then the answer's CNAME chain is known,
 * and a chain that leads to a blocked name turns the answer (and the record) into a block.
 */
interface Pending {
  identity: ClientIdentity;
  ip: string;
  host: string;
  decision: Decision;
}

interface Waiter extends ClientQuery {
  qtype: number;
  /** Null for the root and for SafeSearch's own look-up, whose decisions are recorded at once (or not at all). */
  pending: Pending | null;
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
  /** Queries from addresses outside the school's networks, answered REFUSED. */
  refused: number;
  /** `localhost` and `wpad` names, answered here and never forwarded. */
  local: number;
  /** Of `blocked`: answers blocked because the name's CNAME chain leads to a blocked name. */
  aliasBlocked: number;
}

export class DnsResolverCore {
  readonly stats: DnsStats = {
    queries: 0, dropped: 0, malformed: 0, blocked: 0, safeSearch: 0, cacheHits: 0, forwarded: 0, failures: 0, refused: 0, local: 0,
    aliasBlocked: 0,
  };
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
      if (code === PARSE_DROP) {
        this.stats.dropped++;
        return false;
      }
      const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
      const identity = this.view.identify(ip);
      if (identity.source === 'unidentified' && !this.settings.allowed.allows(ip)) {
        // not the school's: no decision, no upstream, no activity — an open resolver is a weapon for reflection
        this.stats.refused++;
        transport.send(headerOnly(msg, q, RCODE.REFUSED, code === PARSE_OK, this.settings.udpSize), port, address);
        return true;
      }
      if (code !== PARSE_OK) {
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
      this.decideAndAnswer(msg, q, identity, ip, address, port, transport);
    } catch (error) {
      this.stats.failures++;
      this.warn(`DNS query from ${address} could not be answered: ${(error as Error).message}`);
      if (q.questionEnd > 0) transport.send(servfail(msg, q, this.settings.udpSize), port, address);
    }
    return true;
  }

  private decideAndAnswer(
    msg: Buffer, q: ParsedQuery, identity: ClientIdentity, ip: string, address: string, port: number, transport: ClientTransport,
  ): void {
    const now = this.settings.now();
    if (q.host === '') {
      // The root zone (`dig . NS`, resolver health checks) names no site, so there is nothing to decide. Its NS and
      // DNSKEY answers are large for a small question — what reflection attacks ask for — so only devices the
      // school knows get them.
      if (identity.source === 'unidentified' && (q.qtype === TYPE.NS || q.qtype === DNSKEY)) {
        this.stats.refused++;
        transport.send(headerOnly(msg, q, RCODE.REFUSED, true, this.settings.udpSize), port, address);
        return;
      }
      this.forward(msg, q, null, address, port, transport, now);
      return;
    }
    const local = localName(q.host);
    if (local !== null) {
      this.stats.local++;
      const answers = local === 'localhost' ? LOCAL_ANSWERS : WPAD_ANSWERS;
      transport.send(blockedResponse(msg, q, answers, local === 'wpad', this.settings.udpSize), port, address);
      return;
    }
    const request = this.request; // reused: decide() reads it and keeps nothing of it
    request.host = q.host;
    request.groupIds = identity.groupIds;
    request.time = now;
    const held = identity.personId !== undefined && q.host !== this.view.portalHost && this.view.agreementRequired?.(identity.personId) === true;
    const decision = held ? AGREEMENT_REQUIRED : decide(this.view.snapshotFor(identity.schoolId), request);
    const action = decision.action;
    if (action === 'block' || (action === 'warn' && this.settings.warnAs === 'block')) {
      this.activity.record(decision, identity, ip, q.host, now);
      this.stats.blocked++;
      const negative = decision.reason === 'circumvention_host' || this.settings.block.mode === 'nxdomain';
      transport.send(blockedResponse(msg, q, this.settings.block, negative, this.settings.udpSize), port, address);
    } else if (action === 'safesearch' && decision.safeSearchHost !== undefined) {
      this.activity.record(decision, identity, ip, q.host, now);
      this.stats.safeSearch++;
      this.safeSearch(msg, q, decision, address, port, transport, now);
    } else {
      // recorded when the answer goes out, which may turn out blocked after all (a CNAME to a blocked name)
      this.forward(msg, q, { identity, ip, host: q.host, decision }, address, port, transport, now);
    }
  }

  private forward(msg: Buffer, q: ParsedQuery, pending: Pending | null, address: string, port: number, transport: ClientTransport, now: number): void {
    const key = cacheKey(q.keyName, q);
    const hit = this.cache.get(key, now);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      this.send(hit, msg, q, pending, address, port, transport, now);
      return;
    }
    this.enqueue(key, msg.subarray(12, q.nameEnd), q, this.waiter(msg, q, pending, address, port, transport, null, null));
  }

  private safeSearch(msg: Buffer, q: ParsedQuery, decision: Decision, address: string, port: number, transport: ClientTransport, now: number): void {
    const targetHost = decision.safeSearchHost as string;
    const key = `${cacheKey(q.keyName, q)}\u0101${targetHost}`;
    const composed = this.cache.get(key, now);
    if (composed !== undefined) {
      this.stats.cacheHits++;
      this.send(composed, msg, q, null, address, port, transport, now);
      return;
    }
    let target = this.targetNames.get(targetHost);
    if (target === undefined) this.targetNames.set(targetHost, (target = encodeName(targetHost)));
    const waiter = this.waiter(msg, q, null, address, port, transport, key, target);
    const targetKey = cacheKey(targetHost, q);
    const targetAnswer = this.cache.get(targetKey, now);
    if (targetAnswer !== undefined) this.deliver(waiter, targetAnswer, now);
    else this.enqueue(targetKey, target, q, waiter); // an internal lookup: no activity event of its own
  }

  private waiter(
    msg: Buffer, q: ParsedQuery, pending: Pending | null, address: string, port: number, transport: ClientTransport,
    safeSearchKey: string | null, safeSearchTarget: Buffer | null,
  ): Waiter {
    return { id: q.id, flags: q.flags, questionEnd: q.questionEnd, edns: q.edns, udpSize: q.udpSize, dnssecOk: q.dnssecOk,
      qtype: q.qtype, pending, msg, address, port, transport, safeSearchKey, safeSearchTarget };
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
      const pending = waiter.pending;
      if (pending !== null) this.activity.record(pending.decision, pending.identity, pending.ip, pending.host, now);
      this.stats.failures++;
      waiter.transport.send(servfail(waiter.msg, waiter, this.settings.udpSize), waiter.port, waiter.address);
    } else {
      this.send(answer, waiter.msg, waiter, waiter.pending, waiter.address, waiter.port, waiter.transport, now);
    }
  }

  /**
   * An upstream's answer (cached or fresh) for one client, recording its decision first — unless the answer's CNAME
   * chain leads to a name the client's policy blocks, when the client gets the block answer for its question and the
   * activity log a block that names the question (reason `alias_blocked`, with the blocked name and its category).
   */
  private send(
    answer: Answer, msg: Buffer, q: ClientQuery & { qtype: number }, pending: Pending | null, address: string, port: number,
    transport: ClientTransport, now: number,
  ): void {
    if (pending !== null) {
      const blocked = answer.aliases === null ? null : this.aliasBlock(answer.aliases, pending, now);
      if (blocked !== null) {
        this.activity.record(blocked, pending.identity, pending.ip, pending.host, now);
        this.stats.blocked++;
        this.stats.aliasBlocked++;
        const negative = blocked.circumvention === true || this.settings.block.mode === 'nxdomain';
        const why = q.edns ? extendedError(EDE_BLOCKED, `${pending.host} is an alias of ${blocked.match?.entry}, which is blocked by the school's filter`) : undefined;
        transport.send(blockedResponse(msg, q, this.settings.block, negative, this.settings.udpSize, why), port, address);
        return;
      }
      this.activity.record(pending.decision, pending.identity, pending.ip, pending.host, now);
    }
    const limit = responseLimit(q, transport.udp, this.settings.udpSize);
    transport.send(serveAnswer(answer, msg, q, limit, this.settings.udpSize, now), port, address);
  }

  /**
   * The first name in the chain the client's policy blocks by a list or rule (not by the policy's default: in an
   * allow-list policy a site's content network is unlisted, not forbidden), as an `alias_blocked` decision. A
   * question the school allowed by name (its allow list, an exception) keeps its answer, unless the alias is on an
   * illegal-content list, which nothing overrides.
   */
  private aliasBlock(aliases: string[], pending: Pending, now: number): Decision | null {
    const allowedByName = pending.decision.reason === 'local_allow' || pending.decision.reason === 'exception';
    const snapshot = this.view.snapshotFor(pending.identity.schoolId);
    const request = this.request;
    request.groupIds = pending.identity.groupIds;
    request.time = now;
    for (const alias of aliases) {
      request.host = alias;
      const d = decide(snapshot, request);
      if (d.action !== 'block' && !(d.action === 'warn' && this.settings.warnAs === 'block')) continue;
      if (d.reason === 'default' || d.reason === 'invalid_request') continue;
      if (allowedByName && d.reason !== 'illegal_content') continue;
      return {
        action: 'block', reason: 'alias_blocked', policyId: d.policyId, match: { ...d.match, entry: alias }, circumvention: d.circumvention,
      };
    }
    return null;
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
