/**
 * Osprey's filtering engine: pure functions, no I/O, no clock (R2.1–R2.7).
 *
 *   compileSnapshot(input, { shared? }) → Snapshot     lists + policies → one immutable binary buffer
 *   serialiseSnapshot(snapshot) → Uint8Array          the buffer itself, for disk or a filter node
 *   loadSnapshot(bytes, { verify? }) → Snapshot        zero-copy views; milliseconds for 1.3M domains
 *   shareSnapshot(snapshot) → Snapshot                 the same in a SharedArrayBuffer, to post to workers
 *   decide(snapshot, request) → Decision              the per-request decision, with reason and match
 *   explainDecision(snapshot, request, decision)      plain British-English sentences for staff ("why?", R2.5)
 *   normaliseHost(host), splitUrl(url)                the host/URL forms the engine compares
 *
 * PRECEDENCE (fixed; the first step that matches decides):
 *   1. illegal-content lists (categories with `illegal: true`, e.g. IWF, CTIRU) → block, `illegal_content`.
 *      Checked before every other step, so no exception, local allow, category or schedule action, default,
 *      SafeSearch rewrite or choice of policy (staff, unidentified) can allow such a request.
 *   2. circumvention hosts (use-application-dns.net, mask.icloud.com, mask-h2.icloud.com) → block,
 *      `circumvention_host`, `circumvention: true`.
 *   3. the policy's approved exceptions that have not expired at `request.time` → allow, `exception`.
 *      A `category` exception applies when no other category of the host is blocked or warned.
 *   4. the policy's local block entries → block;   5. its local allow entries → allow.
 *      Domain entries cover subdomains; a local allow for `maths.games.com` does not unblock `games.com`. Local
 *      block beats local allow whichever is more specific.
 *   6. category actions: the host's categories (from lists, including URL-prefix and expression entries) that the
 *      policy sets an action for. A schedule window active at `request.time` in the snapshot's time zone replaces
 *      the policy's action for the categories the window names (overlapping windows: the more restrictive).
 *      Categories the policy sets no action for do not count; if none is left, step 7 decides.
 *   7. the policy's default action.
 *   Then SafeSearch (R2.6): when the policy has it on and the outcome is allow or monitor, Google, Bing,
 *   DuckDuckGo and YouTube hosts become `safesearch` with the provider's locked-safe `safeSearchHost`.
 *   Any match in a category with `circumvention: true` sets `circumvention: true` on the decision (R2.7).
 *
 * MULTI-GROUP RULE: among the policies whose groupIds include any of the request's groupIds, the one with the
 * highest `priority` applies (equal priorities: the one listed first). No groups, or no policy for them → the
 * unidentified policy (R2.1: the most restrictive pupil profile).
 *
 * MULTI-CATEGORY RULE: when a host is in several categories the policy acts on, the most restrictive action wins
 * (block > warn > monitor > allow); ties go to the most specific entry, or with `Policy.categoryOrder` (squidGuard's
 * pass list) to the category first in that order. `match.categoryId` names the deciding one.
 *
 * INVALID-INPUT RULE: a host, URL or time that cannot be understood (empty, forbidden characters, bad IPv4, longer
 * than 253 characters, a URL that is not http(s)/ws(s)/ftp) gives `invalid_request` with action `block`, for every
 * policy, naming the policy that was chosen. A child's request the filter cannot read must not pass; for staff the
 * request could not have reached anything either. `decide` never throws.
 *
 * When the request's URL names a different host from `request.host`, both are decided and the more restrictive
 * decision is returned (domain fronting cannot borrow an allowed host).
 *
 * MATCHING: domain entries cover their subdomains (every label-boundary suffix of the host is looked up); IP
 * literals match exactly, in whatever form they are written (IPv4-mapped IPv6 is IPv4). URL-prefix entries
 * (`host/path`, squidGuard urllist) match the host itself or it with leading `www.`/`wwwN.`/`web.`/`ftp.` labels,
 * never other subdomains (except on illegal-content lists), and their path is a plain prefix of the request's; both
 * sides are compared with %XX decoded and '//' before the query merged (`comparablePath`), fragment included. Only
 * whole-site URL entries (`host/`) match DNS and CONNECT requests. Regular expressions (RE2 only, case-insensitive)
 * run over `host:port/path?query#fragment` as squidGuard gives it (no scheme, no user name, %XX decoded; a pattern
 * containing `://` over the scheme plus that), or over the host when there is no URL.
 *
 * COMPILE PROBLEMS: `compileSnapshot` throws `SnapshotCompileError` (with `problems`) for anything a person must fix
 * (bad policies, schedules, local entries, unknown categories, a bad entry in an illegal-content list); bad entries in
 * ordinary downloaded lists are left out and listed as warnings in `snapshot.problems`.
 *
 * Each Decision is a new plain object the caller may keep; `decide` itself allocates nothing else for most requests.
 */
export { compileSnapshot, loadSnapshot, serialiseSnapshot, shareSnapshot } from './snapshot.js';
export type { CompileOptions, LoadOptions, Snapshot } from './snapshot.js';
export { decide } from './decide.js';
export { explainDecision } from './explain.js';
export { normaliseHost, splitUrl, type UrlParts } from './normalise.js';
export { SnapshotCompileError, type CompileProblem, type CompileProblemCode } from './problems.js';
export { CIRCUMVENTION_HOSTS, SAFE_SEARCH_ENGINES } from './built-in-hosts.js';
export type * from './types.js';
