/**
 * What `compileSnapshot` found wrong with its input. Errors stop compilation (the caller keeps its last good
 * snapshot and shows the problems to the person who made the change); warnings are entries refused from downloaded
 * lists, so that one bad line in a 60,000-line list does not stop a school's filter from updating.
 */

export type CompileProblemCode =
  | 'invalid_domain'      // a domain entry that is not a host name or IP address
  | 'invalid_url'         // a URL-prefix entry that is not host/path
  | 'unsafe_regex'        // a regular expression RE2 cannot run in linear time, or too long
  | 'unknown_category'    // a list, action or exception names a category that is not defined
  | 'unknown_policy'      // unidentifiedPolicyId names no policy
  | 'duplicate_id'        // two categories, policies, rules, windows or exceptions share an id
  | 'invalid_action'      // not allow / block / warn / monitor
  | 'invalid_schedule'    // bad days or HH:MM times
  | 'invalid_expiry'      // an exception's expiresAt is not an ISO time
  | 'invalid_time_zone'   // not an IANA zone
  | 'invalid_input';      // the input is not the shape CompileInput describes

export interface CompileProblem {
  severity: 'error' | 'warning';
  code: CompileProblemCode;
  /** One sentence for a person: what is wrong, where, and the value. */
  message: string;
  sourceId?: string;
  categoryId?: string;
  policyId?: string;
  ruleId?: string;
  value?: string;
}

/** Thrown by `compileSnapshot` when any problem is an error; `problems` lists them all (errors first). */
export class SnapshotCompileError extends Error {
  constructor(readonly problems: readonly CompileProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`the filter could not be compiled: ${errors.length} problem${errors.length === 1 ? '' : 's'}; first: ${errors[0]?.message ?? 'unknown'}`);
    this.name = 'SnapshotCompileError';
  }
}

/** Keeps memory bounded when a list is badly broken: the first few hundred, then a count. */
export const MAX_RECORDED_WARNINGS = 200;
