import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/**
 * A full garbage collection, when the runtime allows one (used between phases of a very large file,
 * where V8's heap growth would otherwise run far ahead of the live set). A no-op when unavailable.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    try {
      // The documented way to reach `gc` without starting node with --expose-gc.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
