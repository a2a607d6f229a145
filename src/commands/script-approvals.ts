import { applyEdits, modify, parse as parseJsonc, type FormattingOptions, type ParseError } from 'jsonc-parser';
import npa from 'npm-package-arg';
import semver from 'semver';
import { Document, isSeq, parseDocument } from 'yaml';
import type { ApprovalManager } from '../contract/index.js';
import type { LockedPackage } from '../lockfile/types.js';

/**
 * Install-script approvals as the package managers keep them, read and written without running them:
 * npm's `allowScripts` (package.json; keys `name`, `name@1.2.3`, `name@1.2.3 || 1.2.4`, git/file/remote
 * specs; `false` denies and wins), pnpm's `onlyBuiltDependencies` and `allowBuilds` (pnpm-workspace.yaml
 * or package.json `pnpm`), bun's `trustedDependencies`.
 */

/** The text of the approval files of a project (absent files are undefined). */
export interface ApprovalFiles {
  packageJson?: string;
  pnpmWorkspace?: string;
}

/** What an approval entry says about a package. */
export interface ApprovalVerdict {
  verdict: 'approved' | 'denied' | 'unreviewed';
  /** The entry that decided it. */
  entry?: string;
}

/** Approvals read from a project. */
export interface Approvals {
  manager: ApprovalManager;
  /** Files and fields consulted, for the report. */
  sources: string[];
  /** Problems with the files (not JSON, wrong shape): reported, the rest still read. */
  problems: string[];
  verdict(pkg: LockedPackage): ApprovalVerdict;
}

type Entries = [key: string, value: boolean][];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `pkg@1.2.3 || 1.2.4`: one or more exact versions (npm refuses ranges: they would allow unreviewed versions). */
function exactVersions(spec: string): boolean {
  const parts = spec.split('||').map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => p !== '' && semver.valid(p) !== null);
}

/** The hosted form of a git spec without its committish, and the committish. */
function gitIdentity(spec: string): { repo: string; committish: string } | undefined {
  try {
    const parsed = npa(spec);
    if (parsed.type !== 'git') return undefined;
    // Hosted repositories compare by host, user and project, however the URL is spelt (ssh, https, shortcut).
    const h = parsed.hosted;
    const repo = h ? `${h.domain}/${h.user}/${h.project}`.toLowerCase() : (parsed.fetchSpec ?? '');
    return { repo, committish: parsed.gitCommittish ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * Whether an `allowScripts` key names the package, the way npm matches it: registry keys by the real
 * name (never an alias) and exact versions; git keys by repository and a committish prefix of the
 * locked commit; file and remote keys by the locked spec.
 */
export function npmKeyMatches(key: string, pkg: LockedPackage): boolean {
  let parsed: ReturnType<typeof npa>;
  try {
    parsed = npa(key);
  } catch {
    return false;
  }
  switch (parsed.type) {
    case 'tag':
    case 'range':
    case 'version': {
      if (pkg.source !== 'registry' || parsed.name !== pkg.name) return false;
      if (parsed.type === 'tag') return true;
      if (parsed.type === 'range' && (parsed.rawSpec === '' || parsed.rawSpec === '*' || parsed.fetchSpec === '*')) return true;
      // npm trusts a version only from the locked tarball URL (the tarball's own package.json could lie):
      // without `resolved` (omit-lockfile-registry-resolved) a pinned approval matches nothing there.
      if (pkg.resolved === undefined) return false;
      if (parsed.type === 'version') return parsed.fetchSpec === pkg.version;
      return parsed.fetchSpec !== null && exactVersions(parsed.fetchSpec) && semver.satisfies(pkg.version, parsed.fetchSpec, { loose: true });
    }
    case 'git': {
      if (pkg.source !== 'git' || pkg.resolved === undefined) return false;
      const want = gitIdentity(key);
      const have = gitIdentity(pkg.resolved);
      if (!want || !have || want.repo !== have.repo) return false;
      return want.committish === '' || (have.committish !== '' && have.committish.startsWith(want.committish));
    }
    case 'file':
    case 'directory': {
      const locked = pkg.resolved ?? (pkg.path !== undefined ? `file:${pkg.path}` : undefined);
      return locked !== undefined && (locked === parsed.saveSpec || locked === parsed.fetchSpec || locked === key);
    }
    case 'remote':
      return pkg.resolved !== undefined && (pkg.resolved === parsed.fetchSpec || pkg.resolved === parsed.saveSpec);
    default:
      // Aliases as keys never match: the approval must name the real package.
      return false;
  }
}

/** A pnpm entry (`name`, `name@1.2.3 || 1.2.4`) names the package. */
function pnpmEntryMatches(entry: string, pkg: LockedPackage): boolean {
  const at = entry.lastIndexOf('@');
  if (at <= 0) return entry === pkg.name;
  const name = entry.slice(0, at);
  const spec = entry.slice(at + 1);
  return name === pkg.name && exactVersions(spec) && semver.satisfies(pkg.version, spec, { loose: true });
}

function verdictOf(entries: Entries, pkg: LockedPackage, matches: (key: string, pkg: LockedPackage) => boolean): ApprovalVerdict {
  let approved: string | undefined;
  for (const [key, value] of entries) {
    if (!matches(key, pkg)) continue;
    // A deny always wins, whatever else matches.
    if (!value) return { verdict: 'denied', entry: key };
    approved ??= key;
  }
  return approved !== undefined ? { verdict: 'approved', entry: approved } : { verdict: 'unreviewed' };
}

function parseJsonObject(text: string | undefined, file: string, problems: string[]): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true });
  if (errors.length > 0 || !isObject(value)) {
    problems.push(`${file} is not a JSON object; its approvals were not read`);
    return undefined;
  }
  return value;
}

/** Boolean entries of an object field; anything else is a problem. */
function booleanEntries(field: unknown, where: string, problems: string[]): Entries {
  if (field === undefined) return [];
  if (!isObject(field)) {
    problems.push(`${where} is not an object; ignored`);
    return [];
  }
  const out: Entries = [];
  for (const [key, value] of Object.entries(field)) {
    if (typeof value === 'boolean') out.push([key, value]);
    else problems.push(`${where}[${JSON.stringify(key)}] is not true or false; ignored`);
  }
  return out;
}

function stringList(field: unknown, where: string, problems: string[]): string[] {
  if (field === undefined || field === null) return [];
  if (!Array.isArray(field)) {
    problems.push(`${where} is not a list; ignored`);
    return [];
  }
  return field.filter((v): v is string => typeof v === 'string');
}

/** The pnpm settings of a project: pnpm-workspace.yaml's top level, then package.json's `pnpm` (both are read). */
function pnpmSettings(files: ApprovalFiles, problems: string[]): { where: string; settings: Record<string, unknown> }[] {
  const out: { where: string; settings: Record<string, unknown> }[] = [];
  if (files.pnpmWorkspace !== undefined) {
    const doc = parseDocument(files.pnpmWorkspace);
    if (doc.errors.length > 0) problems.push(`pnpm-workspace.yaml does not parse: ${doc.errors[0]!.message.split('\n')[0]}`);
    else {
      const value: unknown = doc.toJS();
      if (isObject(value)) out.push({ where: 'pnpm-workspace.yaml', settings: value });
    }
  }
  const pkg = parseJsonObject(files.packageJson, 'package.json', problems);
  if (isObject(pkg?.['pnpm'])) out.push({ where: 'package.json pnpm', settings: pkg['pnpm'] });
  return out;
}

/** Reads the approvals `manager` keeps in a project's files. */
export function readApprovals(manager: ApprovalManager, files: ApprovalFiles): Approvals {
  const problems: string[] = [];
  if (manager === 'npm') {
    const pkg = parseJsonObject(files.packageJson, 'package.json', problems);
    const entries = booleanEntries(pkg?.['allowScripts'], 'package.json allowScripts', problems);
    return { manager, sources: ['package.json allowScripts'], problems, verdict: (p) => verdictOf(entries, p, npmKeyMatches) };
  }
  if (manager === 'bun') {
    const pkg = parseJsonObject(files.packageJson, 'package.json', problems);
    const trusted = stringList(pkg?.['trustedDependencies'], 'package.json trustedDependencies', problems);
    const entries: Entries = trusted.map((name) => [name, true]);
    return { manager, sources: ['package.json trustedDependencies'], problems, verdict: (p) => verdictOf(entries, p, (k, q) => k === q.name) };
  }
  const entries: Entries = [];
  const sources: string[] = [];
  for (const { where, settings } of pnpmSettings(files, problems)) {
    sources.push(`${where} onlyBuiltDependencies`);
    for (const name of stringList(settings['onlyBuiltDependencies'], `${where} onlyBuiltDependencies`, problems)) entries.push([name, true]);
    for (const field of ['neverBuiltDependencies', 'ignoredBuiltDependencies']) {
      for (const name of stringList(settings[field], `${where} ${field}`, problems)) entries.push([name, false]);
    }
    entries.push(...booleanEntries(settings['allowBuilds'], `${where} allowBuilds`, problems));
  }
  if (sources.length === 0) sources.push('pnpm-workspace.yaml onlyBuiltDependencies');
  return { manager, sources, problems, verdict: (p) => verdictOf(entries, p, pnpmEntryMatches) };
}

/** What `--write` decides for one package with install-time code. */
export interface ApprovalDecision {
  pkg: LockedPackage;
  allowed: boolean;
}

/**
 * The key npm's `approve-scripts` writes for a package: pinned `name@version` when the lockfile has the
 * tarball URL npm trusts the version from, the bare name when it does not, the locked spec otherwise.
 */
export function npmKeyFor(pkg: LockedPackage): string {
  if (pkg.source === 'registry') return pkg.resolved !== undefined ? `${pkg.name}@${pkg.version}` : pkg.name;
  if (pkg.source === 'file' && pkg.path !== undefined && pkg.resolved === undefined) return `file:${pkg.path}`;
  return pkg.resolved ?? `${pkg.name}@${pkg.version}`;
}

/**
 * The `allowScripts` object for exactly the allowed packages: existing `true` entries that still match
 * an allowed package are kept as written (a name-only approval stays name-only), denies are all kept,
 * stale approvals go, and allowed packages nothing covers get a pinned entry. Keys sorted.
 */
export function npmAllowScripts(existing: Record<string, unknown>, decisions: readonly ApprovalDecision[]): Record<string, boolean> {
  const allowed = decisions.filter((d) => d.allowed).map((d) => d.pkg);
  const out: Record<string, boolean> = {};
  for (const [key, value] of Object.entries(existing)) {
    if (value === false) out[key] = false;
    else if (value === true && allowed.some((p) => npmKeyMatches(key, p))) out[key] = true;
  }
  const keys = Object.entries(out);
  for (const pkg of allowed) {
    if (keys.some(([k, v]) => v && npmKeyMatches(k, pkg))) continue;
    out[npmKeyFor(pkg)] = true;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** pnpm's `onlyBuiltDependencies` for exactly the allowed packages: matching entries kept, names added, sorted. */
export function pnpmOnlyBuilt(existing: readonly string[], decisions: readonly ApprovalDecision[]): string[] {
  const allowed = decisions.filter((d) => d.allowed).map((d) => d.pkg);
  const out = new Set(existing.filter((e) => allowed.some((p) => pnpmEntryMatches(e, p))));
  for (const pkg of allowed) if (![...out].some((e) => pnpmEntryMatches(e, pkg))) out.add(pkg.name);
  return [...out].sort();
}

/** How a JSON file is indented and ends its lines, so an edit keeps its style. */
function jsonStyle(text: string): FormattingOptions {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Sets one property of a JSON file's text, changing nothing else in it. */
function setJsonProperty(text: string, path: string[], value: unknown): string {
  return applyEdits(text, modify(text, path, value, { formattingOptions: jsonStyle(text) }));
}

/** A file to write, with its new text (`changed`: it differs from what is there). */
export interface ApprovalWrite {
  file: 'package.json' | 'pnpm-workspace.yaml';
  text: string;
  changed: boolean;
}

/**
 * The new text of the file that keeps `manager`'s approvals: npm → package.json `allowScripts`;
 * pnpm → package.json `pnpm.onlyBuiltDependencies` when the project keeps them there, else
 * pnpm-workspace.yaml `onlyBuiltDependencies` (created when missing). Byte-stable: the same input
 * gives the same bytes, and a second write changes nothing.
 * @throws Error when the file that must hold the field is not a JSON object.
 */
export function writeApprovals(manager: 'npm' | 'pnpm', files: ApprovalFiles, decisions: readonly ApprovalDecision[]): ApprovalWrite {
  const problems: string[] = [];
  const pkg = parseJsonObject(files.packageJson, 'package.json', problems);
  if (manager === 'npm') {
    if (files.packageJson === undefined || pkg === undefined) throw new Error(problems[0] ?? 'package.json is missing: npm keeps allowScripts there');
    const existing = isObject(pkg['allowScripts']) ? pkg['allowScripts'] : {};
    const text = setJsonProperty(files.packageJson, ['allowScripts'], npmAllowScripts(existing, decisions));
    return { file: 'package.json', text, changed: text !== files.packageJson };
  }
  const inPackage = isObject(pkg?.['pnpm']) && Array.isArray(pkg['pnpm']['onlyBuiltDependencies']);
  if (inPackage && files.packageJson !== undefined) {
    const existing = stringList((pkg!['pnpm'] as Record<string, unknown>)['onlyBuiltDependencies'], 'package.json pnpm.onlyBuiltDependencies', problems);
    const text = setJsonProperty(files.packageJson, ['pnpm', 'onlyBuiltDependencies'], pnpmOnlyBuilt(existing, decisions));
    return { file: 'package.json', text, changed: text !== files.packageJson };
  }
  const doc = files.pnpmWorkspace !== undefined ? parseDocument(files.pnpmWorkspace) : new Document({});
  if (doc.errors.length > 0) throw new Error(`pnpm-workspace.yaml does not parse: ${doc.errors[0]!.message.split('\n')[0]}`);
  const current = doc.get('onlyBuiltDependencies');
  const existing = isSeq(current) ? current.items.map((i) => String((i as { value?: unknown }).value ?? i)) : [];
  const next = pnpmOnlyBuilt(existing, decisions);
  if (!(existing.length === next.length && existing.every((e, i) => e === next[i]))) doc.set('onlyBuiltDependencies', next);
  const text = files.pnpmWorkspace !== undefined && doc.toString() === parseDocument(files.pnpmWorkspace).toString() ? files.pnpmWorkspace : doc.toString();
  return { file: 'pnpm-workspace.yaml', text, changed: text !== files.pnpmWorkspace };
}
