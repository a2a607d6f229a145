/** Stable error codes: part of the CLI contract (README "Exit codes"). */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_NOT_FOUND'
  | 'E_INTEGRITY'
  | 'E_TARBALL_LIMIT'
  | 'E_TARBALL_INVALID'
  | 'E_TARBALL_TRUNCATED'
  | 'E_REGISTRY'
  | 'E_TIMEOUT'
  | 'E_CACHE'
  | 'E_LOCKFILE'
  | 'E_POLICY'
  | 'E_INTERNAL';

/** Exit code each error code maps to (CONTRACT.md: 2 usage/input, 3 network/internal). */
const EXIT_CODES: Record<ErrorCode, number> = {
  E_USAGE: 2,
  E_NOT_FOUND: 2,
  E_INTEGRITY: 2,
  E_TARBALL_LIMIT: 2,
  E_TARBALL_INVALID: 2,
  E_TARBALL_TRUNCATED: 2,
  E_REGISTRY: 3,
  E_TIMEOUT: 3,
  E_CACHE: 3,
  E_LOCKFILE: 2,
  E_POLICY: 2,
  E_INTERNAL: 3,
};

/** The exit code of an error code as text (`E_NOT_FOUND` → 2); 3 (internal) for a code depcaps does not have. */
export function exitCodeOf(code: string): number {
  return Object.hasOwn(EXIT_CODES, code) ? EXIT_CODES[code as ErrorCode] : 3;
}

/** Base error of depcaps: a stable `code`, a one-sentence message naming its subject, an optional hint. */
export class DepcapsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DepcapsError';
    this.code = code;
    this.hint = options.hint;
  }

  /** The process exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** True when `err` is a DepcapsError (also across module copies). */
export function isDepcapsError(err: unknown): err is DepcapsError {
  return err instanceof DepcapsError;
}
