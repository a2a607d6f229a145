import { posix } from 'node:path';
import type { Runs } from '../contract/index.js';
import type { LifecycleScript, ScriptStep } from './lifecycle.js';
import type { ModuleFacts } from './module-facts.js';
import { packagePath, PackageResolver, targetsOf } from './resolve.js';

/**
 * The module graph of one package, from facts the engine already gathered (no parse, no file bytes):
 * entry points from the manifest, edges from each file's static specifiers resolved the way Node
 * resolves them, and the lifecycle scripts' files. It answers when a file's code runs.
 */

/** Inline code a lifecycle script evaluates (`node -e`), analysed as a file of its own. */
export interface InlineModule {
  /** Graph key: never a real path (it holds a NUL). */
  key: string;
  script: LifecycleScript;
  step: ScriptStep;
  facts: ModuleFacts | undefined;
}

/** What the graph is built from. */
export interface GraphInput {
  /** Every file of the package (code or not), relative, `/` separators. */
  paths: readonly string[];
  /** The root package.json, when it parsed to an object. */
  manifest: Record<string, unknown> | undefined;
  /** `main` of each package.json below the root, by its directory (Node reads it for `require('./dir')`). */
  dirMains: ReadonlyMap<string, string>;
  /** Facts of every code file; `undefined` when the file was not analysed (what it loads is unknown). */
  modules: ReadonlyMap<string, ModuleFacts | undefined>;
  lifecycle: readonly LifecycleScript[];
  inline: readonly InlineModule[];
  /** The root file whose compilation node-gyp runs (from the catalog: `binding.gyp`). */
  buildFile?: string;
}

/** When code runs, and why when it is not evident. */
export interface RunsVerdict {
  runs: Runs;
  reason?: string;
}

/** A lifecycle step with the package file it runs, resolved. */
export interface ResolvedStep {
  step: ScriptStep;
  /** The package file it runs (resolved the way node or the shell finds it). */
  file?: string;
  /** Files it preloads (`node -r`). */
  preload: string[];
}

/** The graph's answers. */
export interface ModuleGraph {
  /** When code in `file` runs; `atLoad`: the code runs when its file is evaluated (top level). */
  runsOf(file: string, atLoad: boolean): RunsVerdict;
  /** When the code of an inline script runs. */
  runsOfInline(key: string): RunsVerdict;
  /** Package files install-time scripts run, directly or through what they load, sorted. */
  installFiles: string[];
  /** Each install step, resolved, in script order. */
  steps: ResolvedStep[];
}

/** Manifest fields bundlers, CDNs and other runtimes load as the package's entry, besides `main`. */
const ENTRY_FIELDS = ['module', 'jsnext:main', 'es2015', 'esnext', 'unpkg', 'jsdelivr', 'umd:main', 'svelte'];
/** Fields that are a path or a map of replacements (`browser`, `react-native`). */
const REPLACEMENT_FIELDS = ['browser', 'react-native'];
const MAX_REASON_HOPS = 3;

interface Visit {
  /** What started it: `main`, `bin "x"`, `postinstall: node x.js`. */
  label: string;
  /** The file that loads it (absent for an entry). */
  from?: string;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Builds the module graph and decides, per file, when its code runs. */
export function buildModuleGraph(input: GraphInput): ModuleGraph {
  const files = new Set(input.paths);
  const manifest = input.manifest;
  const ownName = stringOf(manifest?.['name']);
  const inlineByKey = new Map(input.inline.map((m) => [m.key, m]));
  const resolver = new PackageResolver(input.paths, manifest, input.dirMains);
  const { asFile, asIndex, asPath } = resolver;
  const resolveSpec = (dir: string, spec: string): readonly string[] => resolver.resolveSpec(dir, spec);
  const dirOf = (key: string): string => {
    const inline = inlineByKey.get(key);
    if (inline) return inline.step.cwd;
    const d = posix.dirname(key);
    return d === '.' ? '' : d;
  };
  const factsOf = (key: string): ModuleFacts | undefined => inlineByKey.get(key)?.facts ?? input.modules.get(key);
  const edgesOf = (key: string, loadOnly: boolean): string[] => {
    const facts = factsOf(key);
    if (!facts) return [];
    const out: string[] = [];
    const dir = dirOf(key);
    for (const s of facts.specifiers) if (!loadOnly || s.load) out.push(...resolveSpec(dir, s.spec));
    if (!loadOnly) {
      // A file named in a call (`fork('./child.js')`, `exec('node payload.js')`) runs when that code runs:
      // a child process or a load by path. Its name is relative to the file or to the package root (cwd).
      for (const name of facts.fileNames ?? []) {
        for (const base of name.startsWith('./') || name.startsWith('../') ? [dir, ''] : ['', dir]) {
          const rel = packagePath(name, base);
          const found = rel === undefined ? undefined : asPath(rel);
          if (found !== undefined) {
            out.push(found);
            break;
          }
        }
      }
    }
    return out;
  };

  // Entry points of an import of the package.
  const importEntries: { file: string; label: string }[] = [];
  const addImport = (label: string, found: readonly string[]) => {
    for (const file of found) importEntries.push({ file, label });
  };
  const main = stringOf(manifest?.['main']);
  const mainFile = main === undefined ? undefined : (() => { const m = packagePath(main); return m === undefined ? undefined : asFile(m) ?? asIndex(m); })();
  // Node falls back to index.js when `main` is missing or names nothing.
  const rootEntry = mainFile ?? asIndex('');
  if (rootEntry !== undefined) addImport(mainFile !== undefined ? 'main' : 'index', [rootEntry]);
  if (manifest?.['exports'] !== undefined) addImport('exports', resolver.targetFiles(targetsOf(manifest['exports'], [])));
  for (const field of ENTRY_FIELDS) {
    const value = stringOf(manifest?.[field]);
    const rel = value === undefined ? undefined : packagePath(value);
    const found = rel === undefined ? undefined : asPath(rel);
    if (found !== undefined) addImport(field, [found]);
  }
  for (const field of REPLACEMENT_FIELDS) {
    const value = manifest?.[field];
    // The string form is the entry's path; in the object form a bare value names another package (`"fs": "memfs"`).
    const targets = typeof value === 'string' ? [`./${value.replace(/^\.\//, '')}`] : isObject(value) ? Object.values(value).filter((v): v is string => typeof v === 'string') : [];
    for (const t of targets) {
      const rel = t.startsWith('.') ? packagePath(t) : undefined;
      const found = rel === undefined ? undefined : asPath(rel);
      if (found !== undefined) addImport(field, [found]);
    }
  }
  // Without a manifest there is no entry to start from: every code file counts as one (a single-file scan).
  if (manifest === undefined) for (const file of input.modules.keys()) addImport('file', [file]);

  // Entry points a user or an application invokes: bins.
  const binEntries: { file: string; label: string }[] = [];
  const bin = manifest?.['bin'];
  const bins: [string, string][] = typeof bin === 'string' ? [[ownName ?? 'bin', bin]] : isObject(bin) ? Object.entries(bin).filter((e): e is [string, string] => typeof e[1] === 'string') : [];
  for (const [name, target] of bins) {
    const rel = packagePath(target);
    const found = rel === undefined ? undefined : files.has(rel) ? rel : asPath(rel);
    if (found !== undefined) binEntries.push({ file: found, label: `bin "${name}"` });
  }
  const binDir = isObject(manifest?.['directories']) ? stringOf(manifest['directories']['bin']) : undefined;
  const binDirPath = binDir === undefined ? undefined : packagePath(binDir);
  if (binDirPath !== undefined && binDirPath !== '') {
    for (const f of input.paths) if (f.startsWith(`${binDirPath}/`)) binEntries.push({ file: f, label: `directories.bin` });
  }

  // Entry points of install time: what the lifecycle scripts run.
  const installEntries: { file: string; label: string }[] = [];
  const steps: ResolvedStep[] = [];
  let compiles = false;
  for (const script of input.lifecycle) {
    const label = `${script.event}: ${script.command.length > 80 ? `${script.command.slice(0, 79)}…` : script.command}${script.when === 'git' ? ' (prepare runs only when the package is installed from git)' : ''}`;
    for (const step of script.steps) {
      if (step.compiles) compiles = true;
      const resolved: ResolvedStep = { step, preload: [] };
      const base = step.cwd.startsWith('/') ? undefined : step.cwd;
      if (step.file !== undefined && base !== undefined) {
        const rel = packagePath(step.file, base);
        // node resolves its script like a require; a shell or a direct execution needs the exact path.
        const found = rel === undefined ? undefined : step.kind === 'node' ? asPath(rel) : files.has(rel) ? rel : undefined;
        if (found !== undefined) {
          resolved.file = found;
          installEntries.push({ file: found, label });
        }
      }
      for (const p of step.preload ?? []) {
        if (base === undefined || !(p.startsWith('./') || p.startsWith('../'))) continue;
        const rel = packagePath(p, base);
        const found = rel === undefined ? undefined : asPath(rel);
        if (found !== undefined) {
          resolved.preload.push(found);
          installEntries.push({ file: found, label });
        }
      }
      steps.push(resolved);
    }
  }
  for (const m of input.inline) {
    installEntries.push({ file: m.key, label: `${m.script.event}: ${m.step.command.length > 80 ? `${m.step.command.slice(0, 79)}…` : m.step.command}` });
  }
  if (compiles && input.buildFile !== undefined && files.has(input.buildFile)) {
    const script = input.lifecycle.find((s) => s.steps.some((st) => st.compiles));
    installEntries.push({ file: input.buildFile, label: `${script?.event ?? 'install'}: ${script?.command ?? 'node-gyp rebuild'}` });
  }

  const walk = (entries: readonly { file: string; label: string }[], loadOnly: boolean): Map<string, Visit> => {
    const seen = new Map<string, Visit>();
    const stack: string[] = [];
    for (const e of entries) {
      if (seen.has(e.file)) continue;
      seen.set(e.file, { label: e.label });
      stack.push(e.file);
    }
    while (stack.length > 0) {
      const key = stack.pop()!;
      const label = seen.get(key)!.label;
      for (const next of edgesOf(key, loadOnly)) {
        if (seen.has(next)) continue;
        seen.set(next, { label, from: key });
        stack.push(next);
      }
    }
    return seen;
  };
  const install = walk(installEntries, false);
  const atImport = walk(importEntries, true);
  const reached = walk([...importEntries, ...binEntries], false);

  // Unresolved loads: any file under their constant prefix may be what they load. Never "unreached" then.
  const maybeInstall = new Map<string, string>();
  const maybeCall = new Map<string, string>();
  const spread = (from: Iterable<string>, into: Map<string, string>, known: ReadonlyMap<string, unknown>): void => {
    const queue = [...from];
    let everything = false;
    const covered = new Set<string>();
    while (queue.length > 0) {
      const key = queue.pop()!;
      const facts = factsOf(key);
      const isCode = input.modules.has(key) || inlineByKey.has(key);
      const sources: { prefix?: string; reason: string }[] = [];
      if (isCode && facts === undefined) sources.push({ reason: `${shown(key)} was not fully analysed: what it loads is unknown` });
      for (const d of facts?.dynamic ?? []) {
        sources.push({ ...(d.prefix !== undefined ? { prefix: d.prefix } : {}), reason: `may be loaded by the unresolved ${d.kind} at ${shown(key)}:${d.line}:${d.column}${d.prefix !== undefined ? ` (${JSON.stringify(d.prefix)} + …)` : ''}` });
      }
      for (const source of sources) {
        const match = prefixMatcher(dirOf(key), source.prefix);
        if (match === null || everything || covered.has(match)) continue;
        // Each prefix is applied once: a bundle's thousand `require('./locale/' + x)` cost one pass.
        covered.add(match);
        if (match === 'all') everything = true;
        for (const f of input.paths) {
          if (known.has(f) || into.has(f) || (match !== 'all' && !f.startsWith(match))) continue;
          into.set(f, source.reason);
          queue.push(f);
        }
      }
      // What a possibly loaded file loads statically is possibly loaded too.
      if (!known.has(key)) {
        for (const next of edgesOf(key, false)) {
          if (known.has(next) || into.has(next)) continue;
          into.set(next, into.get(key) ?? '');
          queue.push(next);
        }
      }
    }
  };
  /** Files an unresolved load in `dir` may reach: a path prefix, `all`, or null (another package). */
  const prefixMatcher = (dir: string, prefix: string | undefined): string | 'all' | null => {
    if (prefix === undefined || prefix.startsWith('/') || prefix.startsWith('#')) return 'all';
    if (prefix.startsWith('./') || prefix.startsWith('../') || prefix === '.' || prefix === '..') {
      const joined = posix.join(dir, prefix);
      if (joined.startsWith('../') || joined === '..') return 'all';
      const base = joined === '.' || joined === './' ? '' : joined.replace(/^\.\//, '');
      return base === '' ? 'all' : base;
    }
    if (ownName !== undefined && (ownName.startsWith(prefix) || prefix.startsWith(`${ownName}/`))) return 'all';
    // `'.' + x`, `'..' + x`: still relative.
    if (/^\.{1,2}$/.test(prefix)) return 'all';
    return null;
  };
  spread(install.keys(), maybeInstall, install);
  spread(reached.keys(), maybeCall, new Map<string, unknown>([...install, ...reached, ...maybeInstall]));

  const shownChain = (visits: ReadonlyMap<string, Visit>, file: string): string => {
    const hops: string[] = [];
    for (let v = visits.get(file); v?.from !== undefined && hops.length <= MAX_REASON_HOPS; v = visits.get(v.from)) hops.push(shown(v.from));
    if (hops.length === 0) return '';
    const chain = hops.length > MAX_REASON_HOPS ? [...hops.slice(0, MAX_REASON_HOPS), '…'] : hops;
    return ` (loaded from ${chain.join(' ← ')})`;
  };
  // Data files loaded on the way (`require('../package.json')`) are not code that runs.
  const installFiles = [...install.keys()].filter((f) => files.has(f) && !f.endsWith('.json')).sort();
  const verdict = (file: string, atLoad: boolean): RunsVerdict => {
    const i = install.get(file);
    if (i) return { runs: 'install', reason: i.label + shownChain(install, file) };
    const mi = maybeInstall.get(file);
    if (mi !== undefined) return { runs: 'install', reason: `${mi}, which runs at install` };
    if (atImport.has(file) && atLoad) return { runs: 'import' };
    if (reached.has(file)) return { runs: 'call' };
    const mc = maybeCall.get(file);
    if (mc !== undefined) return { runs: 'call', reason: mc };
    if (!input.modules.has(file) && file !== input.buildFile) {
      return { runs: 'call', reason: 'not JavaScript: loaded, executed or built by path at run time, which the module graph does not follow' };
    }
    return { runs: 'unreached' };
  };
  return {
    runsOf: verdict,
    runsOfInline: (key) => verdict(key, true),
    installFiles,
    steps,
  };
}

/** A graph key as people read it (inline code keys hold a NUL). */
function shown(key: string): string {
  const nul = key.indexOf('\u0000');
  return nul === -1 ? key : key.slice(nul + 1);
}
