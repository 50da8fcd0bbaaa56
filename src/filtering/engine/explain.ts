/**
 * "Why?" (R2.5): a Decision, its request and the snapshot become plain British-English sentences for staff, e.g.
 * "Blocked for the 'Key Stage 2' policy because bet365.com is in the Gambling category (list: ut1). Key Stage 2
 * blocks Gambling at all times." The wording lives in the tables below; the code only fills in names.
 */
import { SAFE_SEARCH_ENGINES, CIRCUMVENTION_HOSTS } from './built-in-hosts.js';
import type { Snapshot } from './snapshot-load.js';
import type { Decision, DecisionAction, DecisionRequest, Policy, PolicyAction, ReasonCode, ScheduleWindow } from './types.js';

/** How a decision's outcome opens the first sentence. */
const OUTCOME: Record<DecisionAction, string> = {
  block: 'Blocked',
  allow: 'Allowed',
  warn: 'Shown a warning page',
  monitor: 'Allowed (and flagged for monitoring)',
  safesearch: 'Allowed with SafeSearch enforced',
};

/** How a policy's action reads after its name: "Key Stage 2 blocks Gambling". */
const POLICY_VERB: Record<PolicyAction, string> = {
  block: 'blocks', allow: 'allows', warn: 'shows a warning page for', monitor: 'allows but monitors',
};

/** A policy's default action as a noun phrase: "the policy's default (allow) applies". */
const DEFAULT_WORD: Record<PolicyAction, string> = { block: 'block', allow: 'allow', warn: 'warn', monitor: 'allow and monitor' };

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Facts {
  entry: string;
  host: string;
  category: string;
  source: string;
  rule: string;
  note: string;
  expiry: string;
  engine: string;
  target: string;
  purpose: string;
  defaultAction: string;
}

/** The reason clause: "… because {clause}." One per reason code. */
const BECAUSE: Record<ReasonCode, (f: Facts) => string> = {
  illegal_content: (f) => `${f.entry} is on the ${f.category} list (${f.source}), which is blocked for everyone and can never be allowed`,
  circumvention_host: (f) => `${f.entry} is used to get round the school's filtering (${f.purpose}), so it is always refused`,
  exception: (f) => `an approved exception ('${f.rule}') allows ${f.entry} until ${f.expiry}`,
  local_block: (f) => `the policy's own block list includes ${f.entry} (rule '${f.rule}'${f.note})`,
  local_allow: (f) => `the policy's own allow list includes ${f.entry} (rule '${f.rule}'${f.note})`,
  category: (f) => `${f.entry} is in the ${f.category} category (list: ${f.source})`,
  safesearch: (f) => `${f.host} is ${f.engine}, which is always sent to its safe version (${f.target})`,
  default: (f) => `${f.host} is not in any category or rule this policy acts on, so the policy's default (${f.defaultAction}) applies`,
  invalid_request: () => 'the address could not be understood, and the filter blocks any request it cannot read',
  agreement_required: () => 'the person has not yet signed their Acceptable Use Agreement, so only the sign page can be opened',
  alias_blocked: (f) => `${f.host} is an alias (CNAME) of ${f.entry}, which the policy blocks`,
  destination_refused: () => 'the address is the server Osprey runs on, a local or private network, or a port the web proxy does not open',
};

/** Sentences explaining `decision`, most important first. */
export function explainDecision(snapshot: Snapshot, request: DecisionRequest, decision: Decision): string[] {
  const policy = snapshot.policies.find((p) => p.id === decision.policyId);
  const policyName = policy?.name ?? decision.policyId;
  const facts = gatherFacts(snapshot, request, decision, policy);
  const sentences = [`${OUTCOME[decision.action]} for the '${policyName}' policy because ${BECAUSE[decision.reason](facts)}.`];
  const categoryId = decision.match?.categoryId;
  if (decision.reason === 'category' && policy !== undefined && categoryId !== undefined) {
    sentences.push(categorySentence(snapshot, policy, categoryId, decision));
  }
  if (decision.circumvention) sentences.push('This looks like an attempt to get round filtering, so safeguarding staff are alerted.');
  sentences.push(...policyChoiceSentences(snapshot, request, decision));
  return sentences;
}

function gatherFacts(snapshot: Snapshot, request: DecisionRequest, decision: Decision, policy: Policy | undefined): Facts {
  const match = decision.match ?? {};
  const category = snapshot.categories.find((c) => c.id === match.categoryId);
  const rule = policy === undefined ? undefined
    : [...policy.localBlock, ...policy.localAllow, ...policy.exceptions].find((r) => r.id === match.ruleId);
  const host = typeof request?.host === 'string' ? request.host.toLowerCase().replace(/\.$/, '') : '';
  const entry = match.entry ?? host;
  const engine = SAFE_SEARCH_ENGINES.find((e) => e.target === decision.safeSearchHost);
  const circumvention = CIRCUMVENTION_HOSTS.find((c) => entry === c.host || entry.endsWith(`.${c.host}`));
  return {
    entry,
    host: match.entry ?? host,
    category: category?.name ?? match.categoryId ?? 'unknown',
    source: match.sourceId ?? 'unknown',
    rule: match.ruleId ?? 'unknown',
    note: rule !== undefined && 'note' in rule && rule.note ? `: ${rule.note}` : '',
    expiry: rule !== undefined && 'expiresAt' in rule ? formatTime(rule.expiresAt, snapshot.timeZone) : 'its expiry',
    engine: engine?.engine ?? 'a search engine',
    target: decision.safeSearchHost ?? '',
    purpose: circumvention?.purpose ?? 'a way round filtering',
    defaultAction: policy === undefined ? 'unknown' : DEFAULT_WORD[policy.defaultAction],
  };
}

/** What the policy does with the deciding category, and when. */
function categorySentence(snapshot: Snapshot, policy: Policy, categoryId: string, decision: Decision): string {
  const name = snapshot.categories.find((c) => c.id === categoryId)?.name ?? categoryId;
  const window = policy.schedules.find((w) => w.id === decision.match?.scheduleId);
  if (window !== undefined) {
    const own = policy.categoryActions[categoryId];
    const otherwise = own === undefined ? '' : `; at other times it ${POLICY_VERB[own]} it`;
    return `During '${window.name}' (${describeWindow(window)}), ${policy.name} ${POLICY_VERB[window.categoryActions[categoryId]]} ${name}${otherwise}.`;
  }
  const action = policy.categoryActions[categoryId];
  const windows = policy.schedules.filter((w) => w.categoryActions[categoryId] !== undefined);
  if (windows.length === 0) return `${policy.name} ${POLICY_VERB[action]} ${name} at all times.`;
  const times = windows.map((w) => `'${w.name}' (${describeWindow(w)})`).join(' and ');
  return `${policy.name} ${POLICY_VERB[action]} ${name} except during ${times}.`;
}

/** "Monday to Friday, 12:00–13:00" */
export function describeWindow(window: ScheduleWindow): string {
  const days = [...window.days].sort((a, b) => a - b);
  const consecutive = days.every((d, i) => i === 0 || d === days[i - 1] + 1);
  const dayText = days.length === 7 ? 'every day'
    : days.length > 2 && consecutive ? `${DAY_NAMES[days[0]]} to ${DAY_NAMES[days[days.length - 1]]}`
      : days.map((d) => DAY_NAMES[d]).join(', ');
  return `${dayText}, ${window.start}–${window.end}`;
}

/** Which policy applied and why the others did not (Policy.priority's documented rule). */
function policyChoiceSentences(snapshot: Snapshot, request: DecisionRequest, decision: Decision): string[] {
  const groups = Array.isArray(request?.groupIds) ? request.groupIds : [];
  if (groups.length === 0) return ['No person or group was identified, so the policy for unidentified devices applies.'];
  const considered = snapshot.policies.filter((p) => p.groupIds.some((g) => groups.includes(g)));
  if (considered.length === 0) return ["None of this person's groups has a policy, so the policy for unidentified devices applies."];
  const others = considered.filter((p) => p.id !== decision.policyId);
  if (others.length === 0) return [];
  const list = others.map((p) => `'${p.name}' (priority ${p.priority})`).join(', ');
  return [`This person's groups also have ${list}; the policy with the highest priority applies.`];
}

/** "16:00 on Friday 20 March 2026", in the school's time zone. */
function formatTime(iso: string, timeZone: string): string {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone, hour: '2-digit', minute: '2-digit', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
  }).formatToParts(new Date(time));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('hour')}:${part('minute')} on ${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`;
}
