/**
 * Waiting in tests: for a condition, never for a fixed time. `waitFor` polls until the probe gives a value and returns
 * it; when the condition never comes it fails, naming what it waited for. Its bound is generous on purpose and is no
 * claim about speed — a test asserts outcomes, and how fast something happens is measured in bench/ — so a bound
 * below WAIT_AT_LEAST_MS is raised to it: a loaded CI machine must not turn a slow moment into a failure.
 */
export const WAIT_AT_LEAST_MS = 30_000;

export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = WAIT_AT_LEAST_MS): Promise<T> {
  const bound = Math.max(timeoutMs, WAIT_AT_LEAST_MS);
  const until = Date.now() + bound;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (gave up after ${bound / 1000} s)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
