/** Loader hooks of load-trace.mjs: each resolved ES module URL is appended to the trace file. */
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (log && !result.url.startsWith('node:')) appendFileSync(log, `${result.url}\n`);
  return result;
}
