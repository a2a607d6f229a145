import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import type { Limits } from '../limits.js';

/** The compiled thread entry `name` (e.g. `worker.js`) next to this module; from the TypeScript sources (tests), the built copy in dist/. */
export function threadUrl(name: string): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    const built = new URL(`../../dist/src/analyze/${name}`, here);
    if (!existsSync(fileURLToPath(built))) throw new Error('dist/ is missing: run `npm run build` first');
    return built;
  }
  return new URL(`./${name}`, here);
}

/** The heap and stack limits every thread that reads package code runs under. */
export function threadResourceLimits(limits: Limits): ResourceLimits {
  return {
    maxOldGenerationSizeMb: limits.workerHeapMb,
    ...(limits.workerYoungMb > 0 ? { maxYoungGenerationSizeMb: limits.workerYoungMb } : {}),
    stackSizeMb: limits.workerStackMb,
  };
}
