import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DepcapsError } from '../errors.js';
import { redact } from '../redact.js';

/** Where a command's report and diagnostics go. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  /** Progress lines go to stderr only when it is a terminal. */
  stderrIsTTY?: boolean;
  env: NodeJS.ProcessEnv;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/**
 * Writes the report to stdout, or atomically to `file` (a temp file in the same directory, then a
 * rename): a reader never sees half a report, and a failed write leaves nothing behind.
 * @throws DepcapsError E_USAGE when the file cannot be written.
 */
export async function writeReport(io: Io, text: string, file?: string): Promise<void> {
  if (!file) {
    io.stdout(text);
    return;
  }
  await writeFileAtomic(file, text, 'report');
}

/**
 * Replaces `file` atomically (a temp file next to it, then a rename).
 * @throws DepcapsError E_USAGE naming `what` when it cannot be written.
 */
export async function writeFileAtomic(file: string, text: string, what: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new DepcapsError('E_USAGE', `could not write ${what} to ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** A line on stderr that is not a warning (what a failed gate failed on), redacted. */
export function say(io: Io, message: string): void {
  io.stderr(`depcaps: ${redact(message)}\n`);
}

/** A warning line on stderr, redacted. */
export function warn(io: Io, message: string): void {
  io.stderr(`depcaps: warning: ${redact(message)}\n`);
}

/** True when colour output is wanted on stdout. */
export function wantsColor(io: Io, json: boolean, flag: boolean | undefined): boolean {
  if (json || flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdoutIsTTY;
}
