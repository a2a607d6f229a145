import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DiffOptions } from '../commands/diff.js';
import { DepcapsError } from '../errors.js';
import type { DiffReport, Risk } from '../contract/index.js';
import { addCommonOptions, commonScanOptions, positiveInt, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';
import { progressLine } from './progress.js';

interface DiffFlags extends CommonFlags {
  json?: boolean;
  failOn?: string;
  resolve?: string;
  depth?: string;
  transitive?: boolean;
  concurrency?: string;
}

const RISKS: readonly Risk[] = ['low', 'medium', 'high'];

/** Why `--fail-on` fails the diff, or undefined. `values`: capability ids and/or risk levels. */
export function failureReason(report: DiffReport, values: readonly string[]): string | undefined {
  const added = new Set([...report.added, ...report.transitive.added.map((t) => t.capability)]);
  for (const v of values) {
    if (added.has(v)) return `${v} was added`;
    const level = RISKS.indexOf(v as Risk);
    if (level !== -1 && RISKS.indexOf(report.risk) >= level) return `risk is ${report.risk}`;
  }
  return undefined;
}

/**
 * The usage error of `diff <name> <version>`: one version is missing. Two targets are two specs,
 * folders or tarballs; a bare version (or range) as the second is never a package anyone means.
 */
export async function missingVersion(a: string, b: string, cwd: string): Promise<DepcapsError | undefined> {
  const { default: semver } = await import('semver');
  const looksLikeVersion = semver.valid(b) !== null || (/^[\d^~<>=*]/.test(b) && semver.validRange(b) !== null);
  if (!looksLikeVersion || existsSync(resolve(cwd, b))) return undefined;
  return new DepcapsError('E_USAGE', `diff ${a} ${b}: a second version is missing`, {
    hint: `depcaps diff ${a} <from> ${b} (or ${a} ${b} <to>), or two targets: depcaps diff ${a}@<from> ${a}@${b}`,
  });
}

/** `depcaps diff <name> <from> <to>` and `depcaps diff <targetA> <targetB>`. */
export function registerDiff(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
    .command('diff')
    .description('what changed between two versions: own code, declared dependencies, and the dependency tree')
    .argument('<a>', 'package name, or the first target (spec, directory, tarball)')
    .argument('<b>', 'from-version, or the second target')
    .argument('[c]', 'to-version (with a package name)')
    .option('--json', 'print the JSON report of CONTRACT.md')
    .option('--fail-on <list>', 'exit 1 when one of these capabilities is added, or the risk reaches a level (e.g. network,shell or high)')
    .option('--resolve <mode>', 'dependency ranges as of the later version\'s publish time (publish-time) or today (latest)', 'publish-time')
    .option('--depth <n>', 'follow dependencies this many levels (default: all)')
    .option('--no-transitive', 'do not resolve or scan the dependency trees')
    .option('--concurrency <n>', 'packages scanned at once', '4')
  ).action(async (a: string, b: string, c: string | undefined, flags: DiffFlags) => {
      // What the action needs is loaded when it runs: `--help` and the other commands never pay for it.
      const [{ catalog }, { diffPackages }, { files, formatDiffText, incompleteSides }] = await Promise.all([
        import('../../capabilities/index.js'),
        import('../commands/diff.js'),
        import('../report/formatters/diff-text.js'),
      ]);
      if (c === undefined) {
        const missing = await missingVersion(a, b, process.cwd());
        if (missing) throw missing;
      }
      const failOn = (flags.failOn ?? '').split(',').map((v) => v.trim()).filter(Boolean);
      const known = new Set<string>([...catalog.map((x) => x.id), ...RISKS]);
      const unknown = failOn.filter((v) => !known.has(v));
      if (unknown.length > 0) throw new DepcapsError('E_USAGE', `--fail-on: unknown ${unknown.join(', ')}; use capabilities (${catalog.map((x) => x.id).join(', ')}) or risk levels (${RISKS.join(', ')})`);
      if (flags.resolve !== 'publish-time' && flags.resolve !== 'latest') throw new DepcapsError('E_USAGE', `--resolve takes publish-time or latest, not "${flags.resolve}"`);
      const depth = positiveInt('--depth', flags.depth);
      const concurrency = positiveInt('--concurrency', flags.concurrency);
      const progress = progressLine(io, !flags.json);
      const options: DiffOptions = {
        ...commonScanOptions(flags, io),
        resolve: flags.resolve,
        transitive: flags.transitive !== false,
        ...(depth !== undefined ? { depth } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        onProgress: (message: string) => progress.update(message),
      };
      const report = c === undefined ? await diffPackages(a, b, options) : await diffPackages(`${a}@${b}`, `${a}@${c}`, options);
      progress.clear();
      const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatDiffText(report, { color: wantsColor(io, false, flags.color) && !flags.output });
      await writeReport(io, text, flags.output);
      for (const { versions, side } of incompleteSides(report)) {
        const shown = side.errors.slice(0, 2).map((e) => e.file).join(', ') + (side.errors.length > 2 ? ', …' : '');
        warn(io, `${report.name} ${versions.join(' and ')} not fully analysed (${files(side.errors.length)}${versions.length === 2 ? ' each' : ''}: ${shown}); the diff may be incomplete`);
      }
      const reason = failureReason(report, failOn);
      if (reason !== undefined) warn(io, `--fail-on: ${reason} (${report.name} ${report.from} → ${report.to})`);
      setExit(reason === undefined ? 0 : 1);
    });
}
