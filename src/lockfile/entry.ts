/**
 * What every lockfile reader does with an entry once it has read it: validate the name, version,
 * integrity and URL (lockfiles are attacker-editable: RELIABILITY items 30 and 33), report
 * problems per entry, deduplicate and sort.
 */
import semver from 'semver';
import { asRecord, own } from './text.js';
import type { LockedPackage, LockedPlatform, LockedSource, Lockfile, LockfileDiagnostic } from './types.js';

/** npm's limit on package names. */
const MAX_NAME_LENGTH = 214;
/** semver's MAX_LENGTH: longer strings are never versions and never reach semver. */
const MAX_VERSION_LENGTH = 256;
/** Longest `resolved` kept; real tarball and git URLs are far shorter. */
export const MAX_URL_LENGTH = 4096;
/** Longest integrity string kept (several sha512 hashes with options fit easily). */
const MAX_INTEGRITY_LENGTH = 1024;
/** Longest key repeated in a diagnostic. */
const MAX_SHOWN_KEY = 200;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The groups of a package's record that are installed with it: dev and unresolved peers are not. */
export const INSTALLED_GROUPS: readonly string[] = ['dependencies', 'optionalDependencies'];
/** The groups of the project's own manifest that are installed: all of them. */
export const ROOT_GROUPS: readonly string[] = ['dependencies', 'devDependencies', 'optionalDependencies'];

/** `(name, spec)` pairs of the string-valued entries of `groups` in `record`, in order; checked by the collector. */
export function groupEntries(record: unknown, groups: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const group of groups) {
    for (const [name, spec] of Object.entries(asRecord(own(asRecord(record), group)) ?? {})) {
      if (typeof spec === 'string') out.push([name, spec]);
    }
  }
  return out;
}

/** The platform fields of a manifest or lockfile record, in the order npm writes them. */
const PLATFORM_FIELDS = ['os', 'cpu', 'libc'] as const;
/** Values kept per platform field: npm's own lists are a dozen long; more is not a real entry. */
const MAX_PLATFORM_VALUES = 64;
/** A platform value (`darwin`, `!win32`, `arm64`, `glibc`) is a short token. */
const PLATFORM_VALUE = /^!?[A-Za-z0-9_.-]{1,32}$/;

/**
 * The `os`/`cpu`/`libc` of a record (each a string or a list of strings, as package.json allows),
 * or undefined when it has none. Values that are not short tokens are dropped: the file is hostile.
 */
export function platformOf(record: unknown): LockedPlatform | undefined {
  const from = asRecord(record);
  let out: LockedPlatform | undefined;
  for (const field of PLATFORM_FIELDS) {
    const raw = own(from, field);
    const list = (typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : []).slice(0, MAX_PLATFORM_VALUES);
    const values = [...new Set(list.filter((v): v is string => typeof v === 'string' && PLATFORM_VALUE.test(v)))];
    if (values.length > 0) (out ??= {})[field] = values;
  }
  return out;
}

/** The names of a record's `optionalDependencies` map (checked against its dependencies by the collector). */
export function optionalNames(record: unknown): string[] {
  return Object.keys(asRecord(own(asRecord(record), 'optionalDependencies')) ?? {});
}

/** Options of every `parseXxx` reader. */
export interface ReaderOptions {
  /** The package.json next to the lockfile, when there is one: roots for formats without dev flags. */
  rootManifest?: Record<string, unknown>;
}

/** An entry as a reader found it: fields not yet checked. */
export interface EntryCandidate {
  name: unknown;
  version: unknown;
  /** The name it is installed under, when it differs from `name`. */
  alias?: string | undefined;
  source: LockedSource;
  resolved?: unknown;
  integrity?: unknown;
  dev: boolean;
  optional: boolean;
  path?: string | undefined;
  key: string;
  line: number;
  bundled?: boolean | undefined;
  /** The lockfile says the package has install scripts (npm's `hasInstallScript`). */
  installScript?: boolean | undefined;
  /** What the entry depends on, as `(name, spec)` pairs ({@link groupEntries}); the first spec of a name wins. */
  dependencies?: [string, string][] | undefined;
  /** Names among `dependencies` the record lists as optional; others are ignored. */
  optionalDependencies?: readonly string[] | undefined;
  /** The entry's `os`/`cpu`/`libc` ({@link platformOf}). */
  platform?: LockedPlatform | undefined;
}

/** Why `name` is not an npm package name we accept, or undefined when it is one. */
export function checkPackageName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'no package name';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  // `%2e%2e` is how `..` sneaks into URLs and cache keys; `\` and controls never belong in a name.
  if (CONTROL.test(name) || /[%\\\s]/.test(name)) return 'the name contains "%", "\\", whitespace or control characters';
  const parts = name.startsWith('@') ? name.slice(1).split('/') : [name];
  if (name.startsWith('@') ? parts.length !== 2 : name.includes('/')) return 'the name has a "/" npm does not allow';
  if (parts.some((p) => p === '' || p.startsWith('.') || p.startsWith('_') || encodeURIComponent(p) !== p)) {
    return 'the name has characters or segments npm does not allow';
  }
  return undefined;
}

/** True when `v` is an exact semver version (never handing semver more than 256 characters). */
export function isExactVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_VERSION_LENGTH && semver.valid(v) !== null;
}

const SRI_DIGEST_BYTES: Record<string, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** True for a well-formed SRI string: space-separated `algo-base64[?opts]` with the algorithm's digest length. */
export function isWellFormedIntegrity(value: string): boolean {
  if (value.length > MAX_INTEGRITY_LENGTH) return false;
  const tokens = value.trim().split(/\s+/);
  return (
    tokens.length > 0 &&
    tokens.every((token) => {
      const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(?:\?[\x21-\x7e]*)?$/.exec(token);
      if (!m) return false;
      const bytes = SRI_DIGEST_BYTES[m[1] as string] as number;
      const b64 = m[2] as string;
      return b64.length === Math.ceil(bytes / 3) * 4 && Buffer.from(b64, 'base64').length === bytes;
    })
  );
}

/** `sha1-<base64>` from the 40-hex sha1 yarn classic appends to `resolved` URLs. */
export function sha1HexToIntegrity(hex: string): string | undefined {
  return /^[0-9a-f]{40}$/i.test(hex) ? `sha1-${Buffer.from(hex, 'hex').toString('base64')}` : undefined;
}

/** A key as shown in a diagnostic: cut, control characters escaped. */
export function shownKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = key.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > MAX_SHOWN_KEY ? `${clean.slice(0, MAX_SHOWN_KEY)}…` : clean;
}

/**
 * Collects a reader's entries: validates each, keeps problems as per-entry diagnostics, merges
 * duplicates and returns the sorted {@link Lockfile}.
 */
export class LockfileCollector {
  private readonly byIdentity = new Map<string, LockedPackage>();
  private readonly diagnostics: LockfileDiagnostic[] = [];

  /** Records a problem with one entry. */
  warn(key: string, line: number | undefined, message: string): void {
    this.diagnostics.push({ key: shownKey(key), ...(line !== undefined ? { line } : {}), message });
  }

  /**
   * Validates and adds one entry. Hostile names and registry entries without an exact version
   * are dropped (diagnostic); a malformed integrity or URL is reported and not passed on.
   * `expect` lists what this format normally records for registry entries, so a missing one is reported.
   */
  add(c: EntryCandidate, expect: { integrity?: boolean; resolved?: boolean } = {}): void {
    const where = (what: string): string => `${what} (entry ${JSON.stringify(shownKey(c.key))})`;
    const badName = checkPackageName(c.name);
    if (badName !== undefined) return this.warn(c.key, c.line, where(`dropped: ${badName}`));
    const name = c.name as string;
    if (c.alias !== undefined && c.alias !== name) {
      const badAlias = checkPackageName(c.alias);
      if (badAlias !== undefined) return this.warn(c.key, c.line, where(`dropped: alias: ${badAlias}`));
    }
    let version: string;
    if (c.source === 'registry') {
      if (c.version === undefined || c.version === '') return this.warn(c.key, c.line, where(`dropped: ${name} has no version`));
      if (!isExactVersion(c.version)) return this.warn(c.key, c.line, where(`dropped: ${name} has no exact semver version`));
      version = c.version;
    } else {
      version = typeof c.version === 'string' && c.version.length <= MAX_URL_LENGTH && !CONTROL.test(c.version) ? c.version : '';
    }
    const subject = `${name}@${version}`;

    let resolved: string | undefined;
    if (typeof c.resolved === 'string' && c.resolved !== '') {
      if (c.resolved.length > MAX_URL_LENGTH || CONTROL.test(c.resolved) || /\s/.test(c.resolved)) {
        this.warn(c.key, c.line, where(`${subject}: "resolved" is malformed and was ignored`));
      } else if (/^https?:\/\//i.test(c.resolved) && !URL.canParse(c.resolved)) {
        this.warn(c.key, c.line, where(`${subject}: "resolved" is not a valid URL and was ignored`));
      } else {
        resolved = c.resolved;
      }
    } else if (c.resolved !== undefined && c.resolved !== '') {
      this.warn(c.key, c.line, where(`${subject}: "resolved" is not a string and was ignored`));
    } else if (expect.resolved && c.source === 'registry' && !c.bundled) {
      this.warn(c.key, c.line, where(`${subject} has no "resolved" URL`));
    }

    let integrity: string | undefined;
    if (typeof c.integrity === 'string' && c.integrity !== '') {
      if (isWellFormedIntegrity(c.integrity)) integrity = c.integrity.trim();
      else {
        const shown = c.integrity.length > 40 ? `${c.integrity.slice(0, 40)}…` : c.integrity;
        this.warn(c.key, c.line, where(`${subject}: malformed integrity ${JSON.stringify(shownKey(shown))} was ignored`));
      }
    } else if (c.integrity !== undefined && c.integrity !== '') {
      this.warn(c.key, c.line, where(`${subject}: "integrity" is not a string and was ignored`));
    } else if (expect.integrity && (c.source === 'registry' || c.source === 'remote') && !c.bundled) {
      this.warn(c.key, c.line, where(`${subject} has no integrity`));
    }

    const dependencies = this.dependencyMap(c.key, c.line, subject, c.dependencies ?? []);
    const optionalDependencies = dependencies === undefined ? [] : [...new Set(c.optionalDependencies ?? [])].filter((n) => Object.hasOwn(dependencies, n)).sort();
    const pkg: LockedPackage = {
      name,
      version,
      ...(c.alias !== undefined && c.alias !== name ? { alias: c.alias } : {}),
      source: c.source,
      ...(resolved !== undefined ? { resolved } : {}),
      ...(integrity !== undefined ? { integrity } : {}),
      dev: c.dev,
      optional: c.optional,
      ...(c.path !== undefined ? { path: c.path } : {}),
      ...(c.bundled ? { bundled: true } : {}),
      ...(c.installScript ? { installScript: true } : {}),
      ...(dependencies !== undefined ? { dependencies } : {}),
      ...(optionalDependencies.length > 0 ? { optionalDependencies } : {}),
      ...(c.platform !== undefined ? { platform: c.platform } : {}),
      key: c.key,
      line: c.line,
    };
    const identity = JSON.stringify([name, version, c.source, resolved ?? null]);
    const seen = this.byIdentity.get(identity);
    if (!seen) {
      this.byIdentity.set(identity, pkg);
      return;
    }
    // Installed once as prod and once as dev is prod; required anywhere is not optional.
    seen.dev &&= pkg.dev;
    seen.optional &&= pkg.optional;
    if (seen.alias === undefined && pkg.alias !== undefined) seen.alias = pkg.alias;
    if (pkg.installScript) seen.installScript = true;
    // Copies installed at several places (npm nesting, pnpm peer variants) record the same
    // dependencies; a name only one of them lists is still an edge of the package.
    if (pkg.dependencies !== undefined) {
      seen.dependencies ??= {};
      for (const [name, spec] of Object.entries(pkg.dependencies)) if (!Object.hasOwn(seen.dependencies, name)) seen.dependencies[name] = spec;
    }
    if (pkg.optionalDependencies !== undefined) seen.optionalDependencies = [...new Set([...(seen.optionalDependencies ?? []), ...pkg.optionalDependencies])].sort();
    seen.platform ??= pkg.platform;
    // Integrity is merged, never overwritten: two different hashes for one tarball is suspicious.
    if (seen.integrity === undefined && pkg.integrity !== undefined) seen.integrity = pkg.integrity;
    else if (seen.integrity !== undefined && pkg.integrity !== undefined && seen.integrity !== pkg.integrity) {
      this.warn(c.key, c.line, where(`${subject}: integrity differs from the one at line ${seen.line}; the first is kept`));
    }
  }

  /**
   * A dependency map from `(name, spec)` pairs, or undefined when empty. Names and specs come from
   * the file: a name npm would refuse (`__proto__` among them) or a spec that is not a short
   * printable string is reported and left out, never used as a key.
   */
  private dependencyMap(key: string, line: number | undefined, subject: string, pairs: readonly [string, string][]): Record<string, string> | undefined {
    let map: Record<string, string> | undefined;
    for (const [name, spec] of pairs) {
      const badName = checkPackageName(name);
      if (badName !== undefined || spec.length > MAX_URL_LENGTH || CONTROL.test(spec)) {
        const why = badName ?? 'its spec is too long or has control characters';
        this.warn(key, line, `${subject}: dependency ${JSON.stringify(shownKey(name))} ignored: ${why}`);
        continue;
      }
      map ??= {};
      if (!Object.hasOwn(map, name)) map[name] = spec;
    }
    return map;
  }

  /**
   * The collected lockfile: packages sorted by name then version, diagnostics by line, and the
   * project's direct dependencies from `root` (`(name, spec)` pairs, checked like an entry's).
   */
  finish(format: Lockfile['format'], formatVersion: string, path: string, root: readonly [string, string][] = []): Lockfile {
    const rootMap = this.dependencyMap('', undefined, 'the project', root) ?? {};
    const packages = [...this.byIdentity.values()].sort(comparePackages);
    const diagnostics = [...this.diagnostics].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || cmp(a.key, b.key));
    return { format, formatVersion, path, packages, root: rootMap, diagnostics };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareVersions(a: string, b: string): number {
  return isExactVersion(a) && isExactVersion(b) ? semver.compare(a, b) || cmp(a, b) : cmp(a, b);
}

function comparePackages(a: LockedPackage, b: LockedPackage): number {
  return (
    cmp(a.name, b.name) ||
    compareVersions(a.version, b.version) ||
    cmp(a.source, b.source) ||
    cmp(a.resolved ?? '', b.resolved ?? '') ||
    a.line - b.line
  );
}
