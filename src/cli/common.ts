import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import type { ScanOptions } from '../commands/scan.js';
import { parseByteSize } from '../limits.js';
import { type Io, warn } from './output.js';

/** The registry, cache and output flags every package command takes. */
export interface CommonFlags {
  registry?: string;
  cacheDir?: string;
  offline?: boolean;
  refresh?: boolean;
  /** `--no-cache` sets it to false. */
  cache?: boolean;
  cacheUrl?: string;
  cacheUrlReadonly?: boolean;
  output?: string | undefined;
  /** `--no-color` sets it to false. */
  color?: boolean;
  maxFileBytes?: string;
}

/** Adds the common flags to a command (`output: false` when the command defines its own `--output`). */
export function addCommonOptions(command: Command, options: { output?: boolean } = {}): Command {
  command
    .option('--registry <url>', 'registry URL (overrides .npmrc and npm_config_registry)')
    .option('--cache-dir <dir>', 'cache directory (default: DEPCAPS_CACHE_DIR, $XDG_CACHE_HOME/depcaps, ~/.cache/depcaps)')
    .option('--offline', 'use only cached registry data (no request)')
    .option('--refresh', 'revalidate cached registry data even when fresh')
    .option('--no-cache', 'neither read nor write the cache (local or shared)')
    .option('--max-file-bytes <size>', 'largest code file parsed; larger ones get a lexical scan only (default 64MiB, DEPCAPS_MAX_FILE_BYTES)')
    .option('--cache-url <url>', 'postgres:// store shared by many machines, behind the local cache (default: DEPCAPS_CACHE_URL; prefer the variable: arguments are visible to other users)')
    .option('--cache-url-readonly', 'read the shared store, never write it (developer laptops; same as ?mode=ro)');
  if (options.output !== false) command.option('--output <file>', 'write the report to a file (atomically) instead of stdout');
  return command.option('--no-color', 'no colours in text output');
}

/**
 * A flag that takes a byte size (`512MiB`, `64mb`, `1048576`); undefined when not given.
 * @throws DepcapsError E_USAGE otherwise.
 */
export function byteSize(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseByteSize(value);
  if (n === undefined || n <= 0) throw new DepcapsError('E_USAGE', `${name} takes a size such as 512MiB or 1048576, not "${value}"`);
  return n;
}

/**
 * The library options the common flags stand for, with warnings going to stderr.
 * @throws DepcapsError E_USAGE for a malformed `--max-file-bytes`.
 */
export function commonScanOptions(flags: CommonFlags, io: Io): ScanOptions {
  const maxFileBytes = byteSize('--max-file-bytes', flags.maxFileBytes);
  return {
    ...(maxFileBytes !== undefined ? { limits: { maxFileBytes } } : {}),
    env: io.env,
    ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
    ...(flags.registry ? { registry: flags.registry } : {}),
    ...(flags.offline ? { offline: true } : {}),
    ...(flags.refresh ? { refresh: true } : {}),
    ...(flags.cache === false ? { noCache: true } : {}),
    ...(flags.cacheUrl !== undefined ? { cacheUrl: cacheUrlFlag(flags.cacheUrl) } : {}),
    ...(flags.cacheUrlReadonly ? { cacheUrlReadonly: true } : {}),
    onWarning: (message) => warn(io, message),
  };
}

/**
 * `--cache-url`: a postgres:// URL (the text is never repeated: it may hold a password).
 * @throws DepcapsError E_USAGE for another scheme.
 */
function cacheUrlFlag(value: string): string {
  if (!/^postgres(ql)?:\/\//i.test(value.trim())) {
    throw new DepcapsError('E_USAGE', '--cache-url takes a postgres:// or postgresql:// URL', { hint: 'e.g. --cache-url postgres://depcaps@db.internal/depcaps, or set DEPCAPS_CACHE_URL' });
  }
  return value.trim();
}

/**
 * A flag that takes a positive whole number (`--concurrency`, `--depth`); undefined when not given.
 * @throws DepcapsError E_USAGE otherwise.
 */
export function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new DepcapsError('E_USAGE', `${name} takes a positive whole number, not "${value}"`);
  return n;
}
