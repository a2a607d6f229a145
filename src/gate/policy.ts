/**
 * The gate's policy file (`depcaps.policy.json`): which capabilities each dependency may hold, and
 * (`atInstall`) which of them the code its install scripts run may use.
 * The file is strict JSON checked by hand against the shape that
 * schema/depcaps.policy.schema.json describes, so every problem carries a JSON pointer and the
 * line and column an editor shows; a test keeps the schema and this reader in step.
 */
import { readFileSync } from 'node:fs';
import { parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import semver from 'semver';
import { catalog } from '../../capabilities/index.js';
import { DepcapsError } from '../errors.js';
import { LineLocator, stripBom } from '../lockfile/text.js';
import type { GateRule, PlatformFamily } from '../contract/index.js';
import { POLICY_FILE, POLICY_SCHEMA_URL } from './policy-file.js';

export { POLICY_FILE, POLICY_SCHEMA_URL };

/**
 * What a policy key selects: `axios@^1`, `axios`, or a glob such as `@types/*`. A glob's
 * `literal` counts its non-`*` characters: among globs, the longest literal is the most specific.
 */
export type PackagePattern =
  | { kind: 'range'; name: string; range: string }
  | { kind: 'name'; name: string }
  | { kind: 'glob'; glob: string; literal: number; regex: RegExp };

/** One `packages` entry: capabilities allowed in addition to `default.allow`. */
export interface PolicyEntry {
  key: string;
  pattern: PackagePattern;
  allow: string[];
  /** What install-time code may use, in addition to default's install list; absent: see matchPolicy. */
  atInstall?: string[];
  reason?: string;
}

/** One `ignore` entry: matching packages are reported but never fail the gate. */
export interface PolicyIgnore {
  key: string;
  pattern: PackagePattern;
  reason?: string;
}

/** A parsed policy; `entries` and `ignore` keep file order, which breaks ties. */
export interface Policy {
  path?: string;
  version: 1;
  /** `atInstall` absent: install-time code may use what `allow` allows (the meaning before `atInstall` existed). */
  default: { allow: string[]; atInstall?: string[] };
  entries: PolicyEntry[];
  ignore: PolicyIgnore[];
}

/** Something wrong in a policy file, located by JSON pointer and by 1-based line and column. */
export interface PolicyProblem {
  path: string;
  line: number;
  column: number;
  message: string;
  severity: 'error' | 'warning';
}

const CAPABILITY_IDS: ReadonlySet<string> = new Set(catalog.map((c) => c.id));
const TOP_KEYS = ['$schema', 'version', 'default', 'packages', 'ignore'] as const;
const DEFAULT_KEYS = ['allow', 'atInstall'] as const;
const ENTRY_KEYS = ['allow', 'atInstall', 'reason'] as const;
const IGNORE_KEYS = ['package', 'reason'] as const;
/** A package name as npm stores it in lockfiles; legacy names may hold capitals, so only the shape is checked. */
const PACKAGE_NAME = /^(?:@[^\s/@]+\/)?[^\s/@]+$/;
/** Keys and values from the file are echoed in messages: cut so a hostile file cannot flood the terminal. */
const MAX_QUOTED = 80;
const POLICY_HINT = 'The policy format is described by schema/depcaps.policy.schema.json.';

const SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the property name",
  CommaExpected: "expected ',' after this value",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected content after the end of the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

function quote(value: string): string {
  return JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
}

/** RFC 6901: `~` and `/` inside a key are escaped, so `@types/*` becomes `@types~1*`. */
function pointer(parent: string, segment: string | number): string {
  return `${parent}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function compileGlob(glob: string): RegExp {
  const escape = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const source = glob
    .split('**')
    .map((part) => part.split('*').map(escape).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

/** Reads a policy key; a string is the reason it is not one. */
function parsePattern(key: string): PackagePattern | string {
  if (key.trim() === '') return 'empty package key; use a name, name@range or a glob';
  // The name ends at the first `@` after position 0: a scope's `@` is position 0 (`@s/n@^1`).
  const at = key.indexOf('@', 1);
  const name = at === -1 ? key : key.slice(0, at);
  if (name.includes('*')) {
    if (at !== -1) return `the glob ${quote(name)} cannot have a version range`;
    if (/\s/.test(name)) return `the glob ${quote(name)} contains whitespace`;
    return { kind: 'glob', glob: name, literal: name.replace(/\*/g, '').length, regex: compileGlob(name) };
  }
  if (!PACKAGE_NAME.test(name)) return `${quote(name)} is not a package name`;
  if (at === -1) return { kind: 'name', name };
  const range = key.slice(at + 1);
  if (range.trim() === '') return `empty version range after ${quote(`${name}@`)}`;
  if (semver.validRange(range) === null) return `invalid semver range ${quote(range)}`;
  return { kind: 'range', name, range };
}

/** Rank of a matching pattern: name+range over exact name over globs, longer literal globs first. */
function specificity(pattern: PackagePattern): number {
  if (pattern.kind === 'range') return Number.MAX_SAFE_INTEGER;
  if (pattern.kind === 'name') return Number.MAX_SAFE_INTEGER - 1;
  return pattern.literal;
}

function matches(pattern: PackagePattern, name: string, version: string): boolean {
  if (pattern.kind === 'glob') return pattern.regex.test(name);
  if (pattern.name !== name) return false;
  // Prereleases count: `axios@^1` is meant for the 1.x line, betas included; a non-semver
  // version (git dependency) satisfies no range and falls through to less specific keys.
  return pattern.kind === 'name' || semver.satisfies(version, pattern.range, { includePrerelease: true });
}

/** The most specific matching item; the first in file order wins a tie. */
function mostSpecific<T extends { pattern: PackagePattern }>(items: readonly T[], name: string, version: string): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (!matches(item.pattern, name, version)) continue;
    if (best === undefined || specificity(item.pattern) > specificity(best.pattern)) best = item;
  }
  return best;
}

/** Walks the parse tree once, collecting problems with their positions. */
class PolicyReader {
  readonly problems: PolicyProblem[] = [];
  private readonly locator: LineLocator;

  constructor(private readonly text: string) {
    this.locator = new LineLocator(text);
  }

  report(offset: number, path: string, message: string, severity: PolicyProblem['severity'] = 'error'): void {
    this.problems.push({ path, ...this.locator.position(offset), message, severity });
  }

  /** Reports the first syntax error only: jsonc-parser's recovery makes the later ones noise. */
  syntax(error: ParseError): void {
    const code = printParseErrorCode(error.error);
    let offset = error.offset;
    let message = SYNTAX_MESSAGES[code] ?? code;
    const before = this.text.slice(0, offset).trimEnd();
    if (code === 'CommaExpected') {
      // Point where the comma belongs (end of the previous value), not at the next line's key.
      offset = before.length;
    } else if ((code === 'PropertyNameExpected' || code === 'ValueExpected') && before.endsWith(',') && /^\s*[}\]]/.test(this.text.slice(offset))) {
      offset = before.length - 1;
      message = 'trailing commas are not allowed in JSON';
    }
    this.report(offset, '', message);
  }

  /** The properties of an object node, first of each name; later duplicates are errors. */
  readProperties(node: Node, path: string): { key: string; keyNode: Node; value: Node }[] {
    const seen = new Map<string, Node>();
    const out: { key: string; keyNode: Node; value: Node }[] = [];
    for (const property of node.children ?? []) {
      const [keyNode, value] = property.children ?? [];
      if (keyNode === undefined || value === undefined) continue;
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first !== undefined) {
        const { line } = this.locator.position(first.offset);
        this.report(keyNode.offset, pointer(path, key), `duplicate key ${quote(key)} (first on line ${line})`);
        continue;
      }
      seen.set(key, keyNode);
      out.push({ key, keyNode, value });
    }
    return out;
  }

  /** Known properties by name; unknown ones are errors naming the key and its pointer. */
  readKnown(node: Node, path: string, allowed: readonly string[], what: string): Map<string, { node: Node; path: string }> {
    const out = new Map<string, { node: Node; path: string }>();
    for (const { key, keyNode, value } of this.readProperties(node, path)) {
      const at = pointer(path, key);
      if (allowed.includes(key)) out.set(key, { node: value, path: at });
      else this.report(keyNode.offset, at, `unknown key ${quote(key)} at ${at} (${what} takes ${allowed.join(', ')})`);
    }
    return out;
  }

  checkType(node: Node, path: string, type: Node['type'], what: string): boolean {
    if (node.type === type) return true;
    this.report(node.offset, path, `${what} must be ${type === 'array' || type === 'object' ? 'an' : 'a'} ${type}, not ${node.type}`);
    return false;
  }

  readString(field: { node: Node; path: string } | undefined, what: string): string | undefined {
    if (field === undefined || !this.checkType(field.node, field.path, 'string', what)) return undefined;
    return field.node.value as string;
  }

  readAllow(field: { node: Node; path: string }, what = 'allow'): string[] {
    if (!this.checkType(field.node, field.path, 'array', what)) return [];
    const out: string[] = [];
    (field.node.children ?? []).forEach((item, i) => {
      const at = pointer(field.path, i);
      if (!this.checkType(item, at, 'string', 'a capability id')) return;
      const id = item.value as string;
      if (!CAPABILITY_IDS.has(id)) this.report(item.offset, at, `unknown capability ${quote(id)} (capabilities: ${[...CAPABILITY_IDS].join(', ')})`);
      else if (out.includes(id)) this.report(item.offset, at, `${quote(id)} is listed twice`, 'warning');
      else out.push(id);
    });
    return out;
  }

  readPattern(key: string, offset: number, path: string): PackagePattern | undefined {
    const pattern = parsePattern(key);
    if (typeof pattern !== 'string') return pattern;
    this.report(offset, path, pattern);
    return undefined;
  }

  readPolicy(root: Node, path: string | undefined): Policy {
    const policy = emptyPolicy(path);
    if (!this.checkType(root, '', 'object', 'the policy')) return policy;
    const top = this.readKnown(root, '', TOP_KEYS, 'the policy');
    this.readString(top.get('$schema'), '$schema');
    const version = top.get('version');
    if (version !== undefined && this.checkType(version.node, version.path, 'number', 'version') && version.node.value !== 1) {
      this.report(version.node.offset, version.path, `unsupported policy version ${String(version.node.value)}; this depcaps reads version 1`);
    }
    const def = top.get('default');
    if (def !== undefined && this.checkType(def.node, def.path, 'object', 'default')) {
      const fields = this.readKnown(def.node, def.path, DEFAULT_KEYS, 'default');
      const allow = fields.get('allow');
      if (allow !== undefined) policy.default.allow = this.readAllow(allow);
      const atInstall = fields.get('atInstall');
      if (atInstall !== undefined) policy.default.atInstall = this.readAllow(atInstall, 'atInstall');
    }
    const packages = top.get('packages');
    if (packages !== undefined && this.checkType(packages.node, packages.path, 'object', 'packages')) {
      for (const { key, keyNode, value } of this.readProperties(packages.node, packages.path)) {
        const at = pointer(packages.path, key);
        const pattern = this.readPattern(key, keyNode.offset, at);
        if (!this.checkType(value, at, 'object', `the entry ${quote(key)}`)) continue;
        const fields = this.readKnown(value, at, ENTRY_KEYS, 'an entry');
        const allow = fields.get('allow');
        if (allow === undefined) this.report(keyNode.offset, at, `the entry ${quote(key)} has no allow list`);
        const reason = this.readString(fields.get('reason'), 'reason');
        const atInstallField = fields.get('atInstall');
        const atInstall = atInstallField === undefined ? undefined : this.readAllow(atInstallField, 'atInstall');
        if (pattern === undefined || allow === undefined) continue;
        policy.entries.push({ key, pattern, allow: this.readAllow(allow), ...(atInstall !== undefined && { atInstall }), ...(reason !== undefined && { reason }) });
      }
    }
    const ignore = top.get('ignore');
    if (ignore !== undefined && this.checkType(ignore.node, ignore.path, 'array', 'ignore')) {
      (ignore.node.children ?? []).forEach((item, i) => {
        const at = pointer(ignore.path, i);
        if (item.type === 'string') {
          const pattern = this.readPattern(item.value as string, item.offset, at);
          if (pattern !== undefined) policy.ignore.push({ key: item.value as string, pattern });
          return;
        }
        if (!this.checkType(item, at, 'object', 'an ignore entry')) return;
        const fields = this.readKnown(item, at, IGNORE_KEYS, 'an ignore entry');
        const pkg = fields.get('package');
        if (pkg === undefined) this.report(item.offset, at, 'an ignore entry needs "package"');
        const key = this.readString(pkg, 'package');
        const pattern = key === undefined || pkg === undefined ? undefined : this.readPattern(key, pkg.node.offset, pkg.path);
        const reason = this.readString(fields.get('reason'), 'reason');
        if (key !== undefined && pattern !== undefined) policy.ignore.push({ key, pattern, ...(reason !== undefined && { reason }) });
      });
    }
    return policy;
  }
}

/** A policy that allows nothing: the gate's policy when the repository has no policy file. */
export function emptyPolicy(path?: string): Policy {
  return { ...(path !== undefined && { path }), version: 1, default: { allow: [] }, entries: [], ignore: [] };
}

/**
 * Parses a policy's text; the policy holds every entry that could be read, `problems` the rest
 * in text order. Strict JSON: comments and trailing commas are errors, as the file is `.json`.
 */
export function parsePolicy(text: string, path?: string): { policy: Policy; problems: PolicyProblem[] } {
  text = stripBom(text);
  const reader = new PolicyReader(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || root === undefined) {
    if (first !== undefined) reader.syntax(first);
    else reader.report(0, '', 'expected a value');
    return { policy: emptyPolicy(path), problems: reader.problems };
  }
  const policy = reader.readPolicy(root, path);
  return { policy, problems: reader.problems.sort((a, b) => a.line - b.line || a.column - b.column) };
}

/**
 * Reads and parses a policy file; warnings go to `onWarning`.
 * @throws DepcapsError E_POLICY when the file cannot be read, or `<path>:<line>:<column>: <message>` for its first error.
 */
export function loadPolicy(path: string, options: { onWarning?: (problem: PolicyProblem) => void } = {}): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DepcapsError('E_POLICY', `could not read the policy ${path} (${reason})`, { cause: err });
  }
  return policyFromText(text, path, options);
}

/**
 * A policy from its text (a file read at a git ref); `path` names it in messages.
 * @throws DepcapsError E_POLICY `<path>:<line>:<column>: <message>` for its first error.
 */
export function policyFromText(text: string, path: string, options: { onWarning?: (problem: PolicyProblem) => void } = {}): Policy {
  const { policy, problems } = parsePolicy(text, path);
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first !== undefined) {
    const more = errors.length > 1 ? `The file has ${errors.length - 1} more error${errors.length > 2 ? 's' : ''}. ` : '';
    throw new DepcapsError('E_POLICY', `${path}:${first.line}:${first.column}: ${first.message}`, { hint: `${more}${POLICY_HINT}` });
  }
  for (const problem of problems) options.onWarning?.(problem);
  return policy;
}

const union = (...lists: readonly (readonly string[])[]): string[] => [...new Set(lists.flat())].sort();

/**
 * The rule that decides a package: the ignore list first, then the most specific `packages`
 * entry (name@range, then exact name, then the glob with the longest literal text; ties go to
 * the first in the file), else `default`. An entry's capabilities add to `default.allow`, so
 * `allowed` is their union; an ignored package's rule allows nothing, as it never fails the gate.
 *
 * Install-time code (lifecycle scripts and what they run) is judged against `allowedAtInstall`: default's
 * `atInstall` (else its `allow`) plus the entry's `atInstall` (else its `allow`, unless `default` has an
 * `atInstall`: then an entry without one adds nothing at install). A policy that never says `atInstall`
 * judges install-time code like the rest, as before `atInstall` existed: `allowedAtInstall` is then absent.
 */
export function matchPolicy(policy: Policy, name: string, version: string): GateRule {
  const ignored = mostSpecific(policy.ignore, name, version);
  if (ignored !== undefined) return { rule: ignored.key, allowed: [], ...(ignored.reason !== undefined && { reason: ignored.reason }), ignored: true };
  const entry = mostSpecific(policy.entries, name, version);
  const byDefault = policy.default.atInstall ?? policy.default.allow;
  const strictInstall = policy.default.atInstall !== undefined || entry?.atInstall !== undefined;
  if (entry === undefined) return { rule: 'default', allowed: [...policy.default.allow], ...(strictInstall && { allowedAtInstall: union(byDefault) }) };
  const allowed = union(policy.default.allow, entry.allow);
  const atInstall = union(byDefault, entry.atInstall ?? (policy.default.atInstall !== undefined ? [] : entry.allow));
  return { rule: entry.key, allowed, ...(strictInstall && { allowedAtInstall: atInstall }), ...(entry.reason !== undefined && { reason: entry.reason }) };
}

/** Whether a policy judges install-time code apart (`atInstall` anywhere). */
export function judgesInstallApart(policy: Policy): boolean {
  return policy.default.atInstall !== undefined || policy.entries.some((e) => e.atInstall !== undefined);
}

/**
 * Writes a policy that accepts the given packages as they are: one entry per name holding its versions'
 * capabilities beyond `default`, and one glob entry per platform family (`@esbuild/*`), so a new platform
 * package of the family is covered too. Install-time code is pinned as it is: `default.atInstall` is empty
 * and each package whose install runs code lists what that code uses in its entry's `atInstall`, so a
 * package that starts using a capability at install fails the gate even where it may use it at run time.
 * Byte-stable for the same input in any order, so the policy's diff in a pull request shows only real changes.
 * @throws DepcapsError E_USAGE when `default` names an unknown capability.
 */
export function initPolicy(
  packages: readonly { name: string; version: string; capabilities: readonly string[]; install?: { capabilities: readonly string[] }; family?: PlatformFamily }[],
  options: { default?: readonly string[] } = {},
): string {
  const unknown = (options.default ?? []).filter((id) => !CAPABILITY_IDS.has(id));
  if (unknown.length > 0) {
    throw new DepcapsError('E_USAGE', `unknown capability ${unknown.map(quote).join(', ')} in the default allow list; capabilities are ${[...CAPABILITY_IDS].join(', ')}`);
  }
  const defaults = [...new Set(options.default)].sort();
  const byKey = new Map<string, { allow: Set<string>; atInstall: Set<string>; reason?: string }>();
  for (const pkg of packages) {
    const extra = pkg.capabilities.filter((id) => !defaults.includes(id));
    const atInstall = pkg.install?.capabilities ?? [];
    if (extra.length === 0 && atInstall.length === 0) continue;
    const glob = pkg.family?.glob;
    const key = glob ?? pkg.name;
    const entry = byKey.get(key) ?? { allow: new Set<string>(), atInstall: new Set<string>(), ...(glob !== undefined ? { reason: `platform packages of ${pkg.family!.parent}` } : {}) };
    for (const id of extra) entry.allow.add(id);
    for (const id of atInstall) entry.atInstall.add(id);
    byKey.set(key, entry);
  }
  const head = JSON.stringify({ $schema: POLICY_SCHEMA_URL, version: 1, default: { allow: defaults, atInstall: [] } }, null, 2);
  // Written by hand, not as one object: JSON.stringify would hoist integer-like keys ("123")
  // ahead of the sorted ones, and an object would treat a package named `__proto__` specially.
  const entries = [...byKey.keys()].sort().map((key) => {
    const { allow, atInstall, reason } = byKey.get(key)!;
    const fields = { allow: [...allow].sort(), ...(atInstall.size > 0 ? { atInstall: [...atInstall].sort() } : {}), ...(reason !== undefined ? { reason } : {}) };
    const body = JSON.stringify(fields, null, 2).replace(/\n/g, '\n    ');
    return `    ${JSON.stringify(key)}: ${body}`;
  });
  const body = entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n  }`;
  return `${head.slice(0, -2)},\n  "packages": ${body}\n}\n`;
}
