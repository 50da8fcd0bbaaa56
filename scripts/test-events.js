// A node:test reporter for scripts/run-tests.js: one JSON line per test begun, ended, passed or failed, with its skip or
// todo reason, so that the runner can count passed, failed and skipped tests and name every skip. People read the
// spec reporter's output; this one is for the runner.
export default async function* testEvents(source) {
  for await (const event of source) {
    // dequeue and complete come as tests begin and end (start, pass and fail come in order, once a test is done), so
    // they show which test was running when a file had to be stopped
    if (!['test:dequeue', 'test:complete', 'test:start', 'test:pass', 'test:fail'].includes(event.type)) continue;
    const { name, nesting, skip, todo, details } = event.data;
    const line = { type: event.type, name, nesting };
    if (event.type === 'test:dequeue' || event.type === 'test:complete') {
      yield `${JSON.stringify(line)}\n`;
      continue;
    }
    if (skip !== undefined && skip !== false) line.skip = skip === true ? '' : String(skip);
    if (todo !== undefined && todo !== false) line.todo = todo === true ? '' : String(todo);
    if (details?.type === 'suite') line.suite = true;
    const error = details?.error;
    if (error) {
      line.failureType = error.failureType;
      // the cause is the test's own error; the outer one says only that the test failed
      const cause = error.cause instanceof Error ? error.cause : error;
      line.message = String(cause?.message ?? cause).split('\n').slice(0, 3).join('\n');
    }
    yield `${JSON.stringify(line)}\n`;
  }
}
