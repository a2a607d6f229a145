import type { Anomaly, FileError, Finding, InstallScript, InstallStep } from '../contract/index.js';
import { defaultCatalogIndex, type CatalogIndex } from './catalog-index.js';
import type { FileAnalysis } from './file.js';
import { isBuffered, isCodeFile, type BufferedSource, type SourceFile } from './intake.js';
import { readLifecycle, type LifecycleScript } from './lifecycle.js';
import { analyzeManifest, type ManifestAnalysis } from './manifest.js';
import { buildModuleGraph, type InlineModule, type ModuleGraph } from './module-graph.js';
import type { AnalysisPool } from './pool.js';
import { MAX_SCRIPT_CHARS } from './shell-words.js';

export type { BufferedSource, SourceFile, SummarisedSource } from './intake.js';

/** What the engine found in a whole package. */
export interface PackageAnalysis {
  /** Every finding, with `runs` set. */
  findings: Finding[];
  errors: FileError[];
  anomalies: Anomaly[];
  imports: string[];
  /** Code files in the package (those over the parse limit included). */
  codeFiles: number;
  /** Code files handed to the parser in this run (the others were reused). */
  parsedFiles: number;
  /** Bytes of the files parsed in this run. */
  parsedBytes: number;
  /** Results of the files parsed in this run, by path: what a cache can keep. */
  fresh: Map<string, FileAnalysis>;
  /** Code runs on a registry install (preinstall/install/postinstall, implied node-gyp). */
  runsAtInstall: boolean;
  /** Install-time lifecycle scripts read as commands, and the files they run (absent: none). */
  install?: { scripts: InstallScript[]; files: string[] };
  /** Time spent on the module graph and lifecycle scripts on this thread, for benchmarks. */
  graphMs: number;
}

/** Deterministic order: file, line, column, capability, api. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.capability < b.capability ? -1 : a.capability > b.capability ? 1 : 0) ||
    (a.api < b.api ? -1 : a.api > b.api ? 1 : 0)
  );
}

const MANIFEST = 'package.json';
/** Nested package.json files larger than this are not read for their `main` (a real one is a few KiB). */
const MAX_NESTED_MANIFEST = 256 * 1024;
/** Graph keys of inline script code hold a NUL: no tarball path can (tar names are C strings). */
const INLINE_PREFIX = '\u0000';

/** `main` of every package.json below the root, by directory. */
function nestedMains(files: readonly SourceFile[]): Map<string, string> {
  const mains = new Map<string, string>();
  for (const f of files) {
    if (!f.path.endsWith(`/${MANIFEST}`) || !isBuffered(f) || f.data.length > MAX_NESTED_MANIFEST) continue;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(f.data).toString('utf8').replace(/^\uFEFF/, ''));
      const main = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['main'] : undefined;
      if (typeof main === 'string' && main !== '') mains.set(f.path.slice(0, -MANIFEST.length - 1), main);
    } catch {
      // A broken nested manifest only loses its `main`: Node would fail on it too.
    }
  }
  return mains;
}

/** The lifecycle scripts, reading shell files they run when their bytes are at hand. */
function lifecycleOf(files: readonly SourceFile[], manifest: ManifestAnalysis, index: CatalogIndex): LifecycleScript[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const implied = index.capabilities.find((c) => c.manifest?.impliedInstallFile !== undefined)?.manifest;
  return readLifecycle(manifest.manifest, {
    has: (path) => byPath.has(path),
    readText: (path) => {
      const f = byPath.get(path);
      if (!f || !isBuffered(f) || f.data.length > MAX_SCRIPT_CHARS || f.data.subarray(0, 4096).includes(0)) return undefined;
      return Buffer.from(f.data).toString('utf8');
    },
    ...(implied?.impliedInstallFile !== undefined
      ? { impliedInstall: { file: implied.impliedInstallFile, ...(implied.impliedInstallFlag !== undefined ? { flag: implied.impliedInstallFlag } : {}) } }
      : {}),
  });
}

/** The report's view of the scripts: steps with their resolved files, `via` only when a script was followed. */
function installReport(scripts: readonly LifecycleScript[], graph: ModuleGraph): { scripts: InstallScript[]; files: string[] } {
  const resolved = new Map(graph.steps.map((r) => [r.step, r]));
  return {
    scripts: scripts.map((s) => ({
      event: s.event,
      command: s.command,
      when: s.when,
      ...(s.implied ? { implied: true } : {}),
      steps: s.steps.map((st): InstallStep => {
        const r = resolved.get(st);
        const note = st.note ?? (st.file !== undefined && r?.file === undefined ? `${st.file} is not in the package` : undefined);
        return {
          kind: st.kind,
          command: st.command,
          ...(st.via.length > 1 ? { via: st.via } : {}),
          ...(r?.file !== undefined ? { file: r.file } : {}),
          ...(st.program !== undefined ? { program: st.program } : {}),
          ...(note !== undefined ? { note } : {}),
        };
      }),
    })),
    files: graph.installFiles,
  };
}

/**
 * Analyses every file of a package: code files in the worker pool (tests, examples and build scripts
 * included: an attacker chooses where to hide), package.json and binaries on this thread, and code
 * that lifecycle scripts evaluate inline (`node -e`) as files of their own. Results in `reuse` (by path,
 * from a content-addressed cache) are taken as they are and not parsed again. Files known only by a
 * summary bring their magic kind, and code files over the parse limit the lexical scan made while they
 * streamed. Then the module graph says when each finding's code runs.
 */
export async function analyzePackage(
  files: readonly SourceFile[],
  pool: AnalysisPool,
  index: CatalogIndex = defaultCatalogIndex(),
  reuse: ReadonlyMap<string, FileAnalysis> = new Map(),
): Promise<PackageAnalysis> {
  const code = files.filter((f): f is BufferedSource => isBuffered(f) && isCodeFile(f.path, f.data));
  // Code files over the parse limit: findings of the lexical scan made as they streamed (no module facts).
  const scanned = files.flatMap((f) => (!isBuffered(f) && f.scanned ? [{ path: f.path, result: f.scanned }] : []));
  const toParse = code.filter((f) => !reuse.has(f.path));
  const manifest = analyzeManifest(files, index);
  let graphMs = 0;
  let t0 = performance.now();
  const lifecycle = lifecycleOf(files, manifest, index);
  const inlineSteps = lifecycle.flatMap((script) => script.steps.filter((s) => s.kind === 'node-eval' && s.code).map((step) => ({ script, step })));
  graphMs += performance.now() - t0;
  // Inline code goes through the pool like any file (a hostile one-liner can be as deep as a file),
  // under the name of the file it is written in; it is never cached: it has no file of its own.
  const parsed = await pool.analyze([...toParse, ...inlineSteps.map((s) => ({ path: MANIFEST, data: Buffer.from(s.step.code!) }))]);
  const fresh = new Map(toParse.map((f, i) => [f.path, parsed[i]!]));
  const inlineResults = parsed.slice(toParse.length);

  t0 = performance.now();
  const buildFile = index.capabilities.find((c) => c.manifest?.impliedInstallFile !== undefined)?.manifest?.impliedInstallFile;
  const inline: InlineModule[] = inlineSteps.map((s, i) => ({
    key: `${INLINE_PREFIX}${s.step.via.join(' > ')} #${i + 1}`,
    script: s.script,
    step: s.step,
    facts: inlineResults[i]?.module,
  }));
  const modules = new Map(code.map((f) => [f.path, (fresh.get(f.path) ?? reuse.get(f.path))?.module]));
  const graph = buildModuleGraph({
    paths: files.map((f) => f.path),
    manifest: manifest.manifest,
    dirMains: nestedMains(files),
    modules,
    lifecycle,
    inline,
    ...(buildFile !== undefined ? { buildFile } : {}),
  });
  graphMs += performance.now() - t0;

  const findings: Finding[] = [];
  const errors: FileError[] = [];
  const anomalies: Anomaly[] = [...manifest.anomalies];
  const imports = new Set<string>();
  t0 = performance.now();
  for (const f of manifest.findings) {
    // Script findings are the install scripts themselves; the others (binaries, binding.gyp) run when their file does.
    const verdict = f.file === MANIFEST ? { runs: 'install' as const } : graph.runsOf(f.file, true);
    findings.push({ ...f, runs: verdict.runs, ...(verdict.reason !== undefined ? { runsReason: verdict.reason } : {}) });
  }
  for (const f of code) {
    const r = fresh.get(f.path) ?? reuse.get(f.path)!;
    const callTime = new Set(r.module?.callTime ?? []);
    r.findings.forEach((finding, i) => {
      const verdict = graph.runsOf(f.path, !callTime.has(i));
      findings.push({ ...finding, runs: verdict.runs, ...(verdict.reason !== undefined ? { runsReason: verdict.reason } : {}) });
    });
    errors.push(...r.errors);
    anomalies.push(...r.anomalies);
    for (const i of r.imports) imports.add(i);
  }
  for (const { path, result: r } of scanned) {
    // Without a parse there are no module facts: every finding counts as load time of its file.
    const verdict = graph.runsOf(path, true);
    for (const finding of r.findings) findings.push({ ...finding, runs: verdict.runs, ...(verdict.reason !== undefined ? { runsReason: verdict.reason } : {}) });
    errors.push(...r.errors);
    anomalies.push(...r.anomalies);
    for (const i of r.imports) imports.add(i);
  }
  inline.forEach((m, i) => {
    const r = inlineResults[i]!;
    const verdict = graph.runsOfInline(m.key);
    // Evidence points at the script in package.json (or the shell file that holds the command).
    const holder = [...m.step.via].reverse().find((v) => manifest.scriptPositions.has(v));
    const pos = holder !== undefined ? manifest.scriptPositions.get(holder)! : undefined;
    const file = pos ? MANIFEST : m.step.via[m.step.via.length - 1] ?? MANIFEST;
    const shownCommand = m.step.command.length > 60 ? `${m.step.command.slice(0, 59)}…` : m.step.command;
    const reason = `${m.step.via.join(' > ')}: inline code of \`${shownCommand}\`${m.script.when === 'git' ? ' (prepare runs only when the package is installed from git)' : ''}`;
    const seen = new Set<string>();
    for (const finding of r.findings) {
      const key = `${finding.capability}\0${finding.api}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ ...finding, file, line: pos?.line ?? 1, column: pos?.column ?? 1, excerpt: pos?.excerpt ?? m.step.command.slice(0, 160), runs: verdict.runs, runsReason: reason });
    }
    for (const e of r.errors) errors.push({ ...e, file, message: `${file}: ${m.script.event} inline code (${m.step.command.slice(0, 60)}): ${e.message.replace(/^package\.json: /, '')}` });
    for (const name of r.imports) imports.add(name);
  });
  graphMs += performance.now() - t0;
  findings.sort(compareFindings);
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const runsAtInstall = lifecycle.some((s) => s.when === 'always');
  return {
    findings,
    errors,
    anomalies,
    imports: [...imports].sort(),
    codeFiles: code.length + scanned.length,
    parsedFiles: toParse.length,
    parsedBytes: toParse.reduce((n, f) => n + f.data.length, 0),
    fresh,
    runsAtInstall,
    ...(lifecycle.length > 0 ? { install: installReport(lifecycle, graph) } : {}),
    graphMs,
  };
}
