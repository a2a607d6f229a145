/**
 * A `node --import` preload that records every module a process loads, into the file named by
 * DEPCAPS_LOAD_TRACE (one line each): ES modules as their resolved URL (a resolve hook on the loader
 * thread, appended as they resolve), CommonJS modules as `cjs:<path>` (require.cache at exit), and
 * `worker:<id>` for every worker thread that starts. Plain JavaScript: it runs before any TypeScript
 * tooling, in the spawned CLI.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { isMainThread, threadId } from 'node:worker_threads';

const log = process.env.DEPCAPS_LOAD_TRACE;
if (log) {
  if (isMainThread) {
    register(new URL('./load-trace-hooks.mjs', import.meta.url), { data: { log } });
    const require = createRequire(import.meta.url);
    process.on('exit', () => {
      const cjs = Object.keys(require.cache).map((p) => `cjs:${p}`);
      if (cjs.length > 0) appendFileSync(log, `${cjs.join('\n')}\n`);
    });
  } else {
    // Workers inherit --import: their start is what we record (their own loads are theirs).
    appendFileSync(log, `worker:${threadId}\n`);
  }
}
