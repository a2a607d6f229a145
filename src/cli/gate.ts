import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import type { GateOptions } from '../commands/gate.js';
import type { GateReport } from '../contract/index.js';
import { toolVersion } from '../version.js';
import { addCommonOptions, commonScanOptions, positiveInt, type CommonFlags } from './common.js';
import { type Io, say, wantsColor, warn, writeReport } from './output.js';
import { bar, progressLine } from './progress.js';

const FORMATS = ['text', 'markdown', 'github', 'sarif', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface GateFlags extends Omit<CommonFlags, 'output'> {
  base?: string;
  head?: string;
  lockfile?: string;
  policy?: string;
  strict?: boolean;
  allowIncomplete?: boolean;
  verbose?: boolean;
  format?: string;
  json?: boolean;
  output: string[];
  concurrency?: string;
}

/** Error codes that mean the infrastructure failed, not the package: a gate that fails only on those exits 3. */
const INFRASTRUCTURE = /^(E_REGISTRY|E_TIMEOUT|E_CACHE|E_INTERNAL|internal error)\b/;

/** `--format a,b` and `--output [fmt=]file`: which format goes where (undefined: stdout). */
export function outputPlan(formatFlag: string | undefined, json: boolean | undefined, outputs: readonly string[]): { format: Format; file?: string }[] {
  const names = (formatFlag ?? (json ? 'json' : 'text')).split(',').map((f) => f.trim()).filter(Boolean);
  if (json && formatFlag !== undefined && !names.includes('json')) names.push('json');
  const bad = names.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (bad.length > 0 || names.length === 0) throw new DepcapsError('E_USAGE', `--format takes ${FORMATS.join(', ')} (comma-separated), not "${bad.join(',') || formatFlag}"`);
  const formats = [...new Set(names)] as Format[];
  const files = new Map<Format, string>();
  for (const o of outputs) {
    const m = /^([a-z]+)=(.+)$/.exec(o);
    if (m && (FORMATS as readonly string[]).includes(m[1]!)) {
      if (!formats.includes(m[1] as Format)) throw new DepcapsError('E_USAGE', `--output ${o}: ${m[1]} is not among --format ${formats.join(',')}`);
      files.set(m[1] as Format, m[2]!);
    } else if (formats.length === 1) {
      files.set(formats[0]!, o);
    } else {
      throw new DepcapsError('E_USAGE', `--output ${o}: with several formats, say which one: --output <format>=<file> (e.g. markdown=comment.md)`);
    }
  }
  const plan = formats.map((format) => ({ format, ...(files.has(format) ? { file: files.get(format)! } : {}) }));
  const toStdout = plan.filter((p) => p.file === undefined);
  if (toStdout.length > 1 && toStdout.some((p) => p.format === 'json' || p.format === 'sarif')) {
    throw new DepcapsError('E_USAGE', `${toStdout.map((p) => p.format).join(' and ')} would all go to stdout; send the JSON/SARIF one to a file with --output <format>=<file>`);
  }
  return plan;
}

/** Renders one format; its formatter is loaded only when that format is asked for. */
async function render(format: Format, report: GateReport, io: Io, flags: GateFlags, toFile: boolean): Promise<string> {
  const env = io.env;
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'sarif': {
      const { formatGateSarif } = await import('../report/formatters/gate-sarif.js');
      return formatGateSarif(report, { toolVersion: toolVersion(), lockfileUri: report.head.lockfile });
    }
    case 'github': {
      const { formatGateGithub } = await import('../report/formatters/gate-github.js');
      return formatGateGithub(report, { lockfileUri: report.head.lockfile });
    }
    case 'markdown': {
      const { formatGateMarkdown } = await import('../report/formatters/gate-markdown.js');
      const server = env['GITHUB_SERVER_URL'];
      const repo = env['GITHUB_REPOSITORY'];
      const sha = env['DEPCAPS_HEAD_SHA'] ?? env['GITHUB_SHA'];
      const link = server && repo && sha ? (line: number) => `${server}/${repo}/blob/${sha}/${report.head.lockfile}#L${line}` : undefined;
      return formatGateMarkdown(report, { ...(link ? { lockfileUrl: link } : {}), verbose: flags.verbose === true });
    }
    case 'text': {
      const { formatGateText } = await import('../report/formatters/gate-text.js');
      return formatGateText(report, { color: wantsColor(io, false, flags.color) && !toFile, verbose: flags.verbose === true });
    }
  }
}

/** What a failed gate failed on, in one line: `gate failed: 3 violations in 2 packages: knex@2.5.1 (shell), …`. */
function failureLine(report: GateReport, infraOnly: boolean): string {
  const byPackage = new Map<string, string[]>();
  for (const v of report.violations) byPackage.set(v.package, [...(byPackage.get(v.package) ?? []), v.capability ?? 'not fully analysed']);
  const shown = [...byPackage].slice(0, 5).map(([id, what]) => `${id} (${what.join(', ')})`);
  const more = byPackage.size > shown.length ? `, and ${byPackage.size - shown.length} more` : '';
  const n = report.violations.length;
  const why = infraOnly ? ' (packages could not be fetched or analysed)' : '';
  return `gate failed${why}: ${n} violation${n === 1 ? '' : 's'} in ${byPackage.size} package${byPackage.size === 1 ? '' : 's'}: ${shown.join(', ')}${more}`;
}

/** `depcaps gate`. */
export function registerGate(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
      .command('gate')
      .description('PR gate: packages added or upgraded between two lockfiles that gain capabilities the policy does not allow')
      .option('--base <ref>', 'git ref or lockfile path to compare from (default: merge base with origin/HEAD, origin/main, main, …)')
      .option('--head <ref>', 'git ref or lockfile path to compare to (default: the working tree lockfile)')
      .option('--lockfile <path>', 'the lockfile in the working tree (default: the one in the current directory); git refs are read at its path')
      .option('--policy <file>', 'policy file (default: depcaps.policy.json at the repository root, if present)')
      .option('--strict', 'every capability of a changed package must be allowed, not only newly gained ones; without a policy file, medium ones fail too')
      .option('--allow-incomplete', 'a changed package that could not be fully analysed does not fail the gate')
      .option('--verbose', 'text and markdown list every change, passing ones too (default: what fails, then a summary)')
      .option('--format <list>', `output formats, comma-separated: ${FORMATS.join(', ')}`)
      .option('--json', 'print the JSON report (same as --format json)')
      .option('--output <[format=]file>', 'write a format to a file (atomically); repeat for several formats', (v: string, all: string[]) => [...all, v], [])
      .option('--concurrency <n>', 'packages fetched at once', '8'),
    { output: false },
  ).action(async (flags: GateFlags) => {
    const plan = outputPlan(flags.format, flags.json, flags.output);
    const concurrency = positiveInt('--concurrency', flags.concurrency) ?? 8;
    const quiet = plan.some((p) => p.file === undefined && p.format !== 'text');
    const progress = progressLine(io, !quiet);
    const options: GateOptions = {
      ...commonScanOptions({ ...flags, output: undefined }, io),
      cwd: process.cwd(),
      concurrency,
      ...(flags.base !== undefined ? { base: flags.base } : {}),
      ...(flags.head !== undefined ? { head: flags.head } : {}),
      ...(flags.lockfile !== undefined ? { lockfile: flags.lockfile } : {}),
      ...(flags.policy !== undefined ? { policyPath: flags.policy } : {}),
      ...(flags.strict ? { strict: true } : {}),
      ...(flags.allowIncomplete ? { allowIncomplete: true } : {}),
      onWarning: (message) => {
        progress.clear();
        warn(io, message);
      },
      onProgress: (p) => progress.update(`${bar(p.done, p.total)} · ${p.current}`, p.done === p.total),
    };
    // Loaded when the action runs: `--help` and the other commands never pay for it.
    const { runGate } = await import('../commands/gate.js');
    let report: GateReport;
    try {
      report = await runGate(options);
    } finally {
      progress.clear();
    }
    for (const { format, file } of plan) await writeReport(io, await render(format, report, io, flags, file !== undefined), file);
    if (report.policy.changed) warn(io, `the policy file ${report.policy.path ?? ''} differs from the base: review its changes with the dependency changes`);
    if (report.verdict === 'pass') {
      setExit(0);
      return;
    }
    // Failing only because packages could not be fetched or analysed for infrastructure reasons: exit 3.
    const infraOnly = report.violations.every((v) => {
      if (v.kind !== 'incomplete') return false;
      const p = report.packages.find((x) => `${x.name}@${x.version}` === v.package);
      return INFRASTRUCTURE.test(p?.error ?? '');
    });
    // The text report on stdout already says what failed; otherwise say it once here.
    if (!plan.some((p) => p.format === 'text' && p.file === undefined)) say(io, failureLine(report, infraOnly));
    setExit(infraOnly ? 3 : 1);
  });
}
