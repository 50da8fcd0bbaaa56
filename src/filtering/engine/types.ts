/**
 * The filtering engine's vocabulary (R2.1–R2.7). The engine is pure: `compileSnapshot(input) → Snapshot` and
 * `decide(snapshot, request) → Decision`; it knows nothing of sockets, databases or the clock.
 */

/** What a policy does with a category or an entry (R2.4). */
export type PolicyAction = 'allow' | 'block' | 'warn' | 'monitor';

/** What a front-end does with a request. `safesearch`: allow, but rewrite to the search engine's locked-safe form. */
export type DecisionAction = PolicyAction | 'safesearch';

/**
 * Why a decision was made, in the fixed precedence order (documented in docs/filtering.md):
 * illegal lists → approved time-limited exceptions → local block → local allow → category action → policy default.
 */
export type ReasonCode =
  | 'illegal_content'        // an entry on an illegal-content list (IWF, CTIRU); never overridable
  | 'circumvention_host'     // a host answered negatively to stop filtering being bypassed (DoH canary, Private Relay)
  | 'exception'              // an approved, time-limited exception (R3.1) allowed it
  | 'local_block'            // the policy's own block list
  | 'local_allow'            // the policy's own allow list
  | 'category'               // the action the policy sets for a matched category (a schedule may change it)
  | 'safesearch'             // a search engine rewritten to its safe form
  | 'default'                // nothing matched: the policy's default action
  | 'invalid_request'        // the host or URL could not be understood; treated by the policy's default for pupils
  | 'agreement_required'     // set by the front-ends, not the engine: the person must sign their agreement first (R6.4)
  | 'alias_blocked'          // set by the DNS resolver, not the engine: the name is an alias (CNAME) of a blocked name
  | 'destination_refused';   // set by the proxy, not the engine: the address is the server's own, local or private

export interface CategoryDef {
  /** Stable id, e.g. 'gambling'. */
  id: string;
  name: string;
  description: string;
  /** Illegal-content categories (child abuse, terrorism) are blocked for everyone, always (R2.2). */
  illegal: boolean;
  /** Proxies, VPNs, DNS-over-HTTPS: attempts are flagged for alerting (R2.7). */
  circumvention?: boolean;
}

/** One list source's entries for one category (after parsing; hosts already normalised). */
export interface ListEntries {
  /** Stable id of the source (e.g. 'ut1', 'local-iwf-2026-11'), for explanations. */
  sourceId: string;
  categoryId: string;
  /** Domain entries; each covers its subdomains. */
  domains: string[];
  /** URL-prefix entries without scheme, e.g. 'example.com/games/' (squidGuard urllist semantics). */
  urls: string[];
  /** Regular expressions over the whole URL (squidGuard expressionlist); matched in bounded or linear time. */
  expressions: string[];
}

export interface LocalEntry {
  /** Stable id, so the explanation can name the rule. */
  id: string;
  kind: 'domain' | 'url' | 'regex';
  value: string;
  note?: string;
}

/** A weekly time window in the school's time zone, e.g. Monday–Friday 12:00–13:00. */
export interface ScheduleWindow {
  id: string;
  name: string;
  /** 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** 'HH:MM', 24-hour; end is exclusive. */
  start: string;
  end: string;
  /** Category actions that replace the policy's own during the window. */
  categoryActions: Record<string, PolicyAction>;
}

/** An approved, time-limited exception (R3.1): allows an entry for a policy until it expires. Never beats illegal. */
export interface PolicyException {
  id: string;
  kind: 'domain' | 'url' | 'category';
  value: string;
  /** ISO time; the exception does nothing after it. */
  expiresAt: string;
}

export interface Policy {
  id: string;
  name: string;
  /**
   * When a person is in several groups with policies, the policy with the highest priority applies (one documented
   * rule; the explanation names the policy chosen and the others considered).
   */
  priority: number;
  /** Groups the policy applies to. */
  groupIds: string[];
  defaultAction: PolicyAction;
  categoryActions: Record<string, PolicyAction>;
  schedules: ScheduleWindow[];
  localBlock: LocalEntry[];
  localAllow: LocalEntry[];
  exceptions: PolicyException[];
  /** R2.6: SafeSearch enforced for Google, Bing, DuckDuckGo and YouTube. */
  safeSearch: boolean;
  /**
   * squidGuard's pass-list order (set by `osprey squid-helper`): when several matches lead to the same action, the
   * decision names the category that comes first here, and the local entry listed first, as squidGuard names the
   * first dest in its pass list. Without it, the most specific entry is named.
   */
  categoryOrder?: string[];
}

export interface CompileInput {
  categories: CategoryDef[];
  lists: ListEntries[];
  policies: Policy[];
  /** The policy for devices and people Osprey cannot identify (R2.1: the most restrictive pupil profile). */
  unidentifiedPolicyId: string;
  /** IANA time zone of the school, for schedules. */
  timeZone: string;
}

export interface DecisionRequest {
  /** A host name or IP literal, as the client sent it (normalised by the engine). */
  host: string;
  /** The full URL when the front-end sees it (plain HTTP, or TLS inspection); absent for DNS and CONNECT. */
  url?: string;
  /** Groups of the person (or device) making the request; empty or absent = unidentified. */
  groupIds?: readonly string[];
  /** Milliseconds since the epoch. */
  time: number;
}

export interface Decision {
  action: DecisionAction;
  reason: ReasonCode;
  policyId: string;
  /** What matched, for "why?" (R2.5): list source, entry, category, rule. */
  match?: {
    sourceId?: string;
    entry?: string;
    categoryId?: string;
    ruleId?: string;
    scheduleId?: string;
  };
  /** For `safesearch`: the host to answer with (DNS CNAME) or to rewrite to (proxy). */
  safeSearchHost?: string;
  /** Set when the request tried to get round filtering (R2.7), for alerting. */
  circumvention?: boolean;
}
