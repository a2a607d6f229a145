/**
 * Finding and reading lockfiles: the format is told by file name and content, each format has its
 * reader (one file per format), and none of them touches the network.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DepcapsError } from '../errors.js';
import { BUN_LOCKFILE_VERSIONS, parseBun } from './bun.js';
import type { ReaderOptions } from './entry.js';
import { NPM_LOCKFILE_VERSIONS, parseNpm } from './npm.js';
import { parsePnpm, PNPM_LOCKFILE_VERSIONS } from './pnpm.js';
import { asRecord, parserMessage, stripBom } from './text.js';
import type { Lockfile } from './types.js';
import { parseYarnBerry, YARN_BERRY_VERSIONS } from './yarn-berry.js';
import { parseYarnClassic } from './yarn-classic.js';

export type { LockedPackage, LockedSource, Lockfile, LockfileDiagnostic } from './types.js';

/** Lockfile names looked for, in order of preference (a shrinkwrap wins over package-lock, as in npm). */
export const LOCKFILE_NAMES: readonly string[] = ['npm-shrinkwrap.json', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock'];

/** Largest lockfile read: big monorepo lockfiles are tens of MiB; beyond this it is not a lockfile we parse in memory. */
export const MAX_LOCKFILE_BYTES = 256 * 1024 * 1024;
/** Largest sibling package.json read for dev classification. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Each format: its file names and the format versions covered (lockfileVersion, `__metadata.version`, …). For the README. */
export const SUPPORTED_FORMATS: Readonly<Record<Lockfile['format'], { files: readonly string[]; versions: readonly string[] }>> = {
  npm: { files: ['package-lock.json', 'npm-shrinkwrap.json'], versions: NPM_LOCKFILE_VERSIONS },
  'yarn-classic': { files: ['yarn.lock'], versions: ['1'] },
  'yarn-berry': { files: ['yarn.lock'], versions: YARN_BERRY_VERSIONS },
  pnpm: { files: ['pnpm-lock.yaml'], versions: PNPM_LOCKFILE_VERSIONS },
  bun: { files: ['bun.lock'], versions: BUN_LOCKFILE_VERSIONS },
};

type Reader = (text: string, path: string, opts: ReaderOptions) => Lockfile;
const READERS: Record<Lockfile['format'], Reader> = {
  npm: parseNpm,
  'yarn-classic': parseYarnClassic,
  'yarn-berry': parseYarnBerry,
  pnpm: parsePnpm,
  bun: parseBun,
};

const supportedList = (): string => LOCKFILE_NAMES.join(', ');

/**
 * The lockfile of the project in `dir`: the first of {@link LOCKFILE_NAMES} that exists.
 * @throws DepcapsError E_LOCKFILE listing the names looked for when there is none.
 */
export function findLockfile(dir: string): string {
  for (const name of LOCKFILE_NAMES) {
    const candidate = resolve(dir, name);
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  const binaryBun = existsSync(join(dir, 'bun.lockb'));
  throw new DepcapsError('E_LOCKFILE', `No lockfile in ${resolve(dir)} (looked for ${supportedList()}).`, {
    hint: binaryBun
      ? 'bun.lockb is binary and not supported: run `bun install --save-text-lockfile` to write bun.lock.'
      : 'Run your package manager to create one (e.g. `npm install --package-lock-only`), or pass the lockfile path.',
  });
}

/** The file name of `path`, also for git's `ref:path` (`HEAD:package-lock.json`): lockfile names hold no `:`. */
function fileName(path: string): string {
  const name = basename(path);
  return name.slice(name.lastIndexOf(':') + 1);
}

/** The format of a lockfile from its name, then its content (for lockfiles saved under other names). */
export function detectFormat(path: string, text: string): Lockfile['format'] | undefined {
  const name = fileName(path);
  const head = text.slice(0, 4096);
  const berry = /^__metadata:/m.test(text.slice(0, 64 * 1024));
  if (name === 'package-lock.json' || name === 'npm-shrinkwrap.json') return 'npm';
  if (name === 'pnpm-lock.yaml') return 'pnpm';
  if (name === 'bun.lock') return 'bun';
  if (name === 'yarn.lock') return berry ? 'yarn-berry' : 'yarn-classic';
  if (/^\s*\{/.test(head)) return /"workspaces"\s*:\s*\{/.test(head) && !/"requires"\s*:/.test(head) ? 'bun' : 'npm';
  if (/^lockfileVersion:/m.test(head)) return 'pnpm';
  if (berry) return 'yarn-berry';
  if (/^#\s*yarn lockfile v1/im.test(head)) return 'yarn-classic';
  return undefined;
}

/** The package.json next to the lockfile, or undefined (missing, too large or not a JSON object). */
async function readSiblingManifest(lockfilePath: string): Promise<{ manifest?: Record<string, unknown>; problem?: string }> {
  const path = join(dirname(lockfilePath), 'package.json');
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return {};
  if (info.size > MAX_MANIFEST_BYTES) return { problem: `${path} is larger than ${MAX_MANIFEST_BYTES} bytes; not read` };
  try {
    const manifest = asRecord(JSON.parse(stripBom(await readFile(path, 'utf8'))));
    return manifest ? { manifest } : { problem: `${path} is not a JSON object; not used` };
  } catch (err) {
    return { problem: `${path} could not be read (${parserMessage(err)}); not used` };
  }
}

/** Refuses bun's binary lockfile by name: its bytes are not text any reader could tell apart. */
function assertNotBinaryBun(path: string): void {
  if (fileName(path) === 'bun.lockb') {
    throw new DepcapsError('E_LOCKFILE', `${path} is a binary bun lockfile, which is not supported.`, {
      hint: 'Run `bun install --save-text-lockfile` to write bun.lock, and pass that.',
    });
  }
}

/**
 * Parses lockfile text of any supported format without touching the disk (the gate reads both
 * sides with `git show`). `path` (a file path or git's `ref:path`) names the file in messages and,
 * with the text, tells the format. `rootManifest` is the project's package.json, parsed: it tells
 * dev from production for formats that do not record it, and gives the project's direct
 * dependencies where the lockfile has no record of them; anything but a JSON object is reported
 * in `diagnostics` and not used.
 * @throws DepcapsError E_LOCKFILE for `bun.lockb`, text over {@link MAX_LOCKFILE_BYTES} bytes, an
 *   unknown format or format version, or text the format's parser rejects.
 */
export function parseLockfile(text: string, path: string, options: { rootManifest?: unknown } = {}): Lockfile {
  assertNotBinaryBun(path);
  // UTF-16 length ≤ UTF-8 byte length, so the cheap test comes first.
  if (text.length > MAX_LOCKFILE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_LOCKFILE_BYTES) {
    throw new DepcapsError('E_LOCKFILE', `${path} is ${Buffer.byteLength(text, 'utf8')} bytes, over the ${MAX_LOCKFILE_BYTES}-byte lockfile limit.`);
  }
  text = stripBom(text);
  const format = detectFormat(path, text);
  if (format === undefined) {
    throw new DepcapsError('E_LOCKFILE', `${path} is not a lockfile format depcaps reads (supported: ${supportedList()}).`);
  }
  const manifest = asRecord(options.rootManifest);
  const lockfile = READERS[format](text, path, manifest ? { rootManifest: manifest } : {});
  if (options.rootManifest !== undefined && !manifest) {
    lockfile.diagnostics.unshift({ key: 'package.json', message: 'the root manifest is not a JSON object; not used' });
  }
  return lockfile;
}

/**
 * Reads and parses a lockfile of any supported format ({@link parseLockfile}). The package.json
 * next to it, when present, tells dev from production dependencies for formats that do not record it.
 * @throws DepcapsError E_LOCKFILE when the file is missing, unreadable, larger than
 *   {@link MAX_LOCKFILE_BYTES}, of an unknown format or format version, or not parseable.
 */
export async function readLockfile(path: string): Promise<Lockfile> {
  const absolute = resolve(path);
  assertNotBinaryBun(absolute);
  const info = await stat(absolute).catch((err: unknown) => {
    throw new DepcapsError('E_LOCKFILE', `Cannot read lockfile ${absolute}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: err });
  });
  if (!info.isFile()) throw new DepcapsError('E_LOCKFILE', `${absolute} is not a file.`);
  if (info.size > MAX_LOCKFILE_BYTES) {
    throw new DepcapsError('E_LOCKFILE', `${absolute} is ${info.size} bytes, over the ${MAX_LOCKFILE_BYTES}-byte lockfile limit.`);
  }
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    throw new DepcapsError('E_LOCKFILE', `Cannot read lockfile ${absolute}: ${(err as NodeJS.ErrnoException).code ?? 'error'}.`, { cause: err });
  }
  const { manifest, problem } = await readSiblingManifest(absolute);
  const lockfile = parseLockfile(text, absolute, manifest ? { rootManifest: manifest } : {});
  if (problem !== undefined) lockfile.diagnostics.unshift({ key: 'package.json', message: problem });
  return lockfile;
}
