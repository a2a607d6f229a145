import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { AuditOptions } from '../commands/audit.js';
import { DepcapsError } from '../errors.js';
import { toolVersion } from '../version.js';
import { addCommonOptions, commonScanOptions, positiveInt, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';
import { bar, progressLine } from './progress.js';

interface AuditFlags extends CommonFlags {
  json?: boolean;
  sarif?: boolean;
  markdown?: boolean;
  failOn?: string;
  omit?: string[];
  concurrency?: string;
  allowMissing?: boolean;
  all?: boolean;
}

/** `depcaps audit [lockfile]`. */
export function registerAudit(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
    .command('audit')
    .description('every package a lockfile installs: npm (v1–v3), yarn classic and berry, pnpm, bun')
    .argument('[lockfile]', 'lockfile path (default: the one in the current directory)')
    .option('--json', 'print the JSON report')
    .option('--sarif', 'print SARIF 2.1.0 (results at the lockfile line of each package)')
    .option('--markdown', 'print Markdown (a PR comment or job summary)')
    .option('--fail-on <list>', 'exit 1 when any package has one of these capabilities (e.g. shell,install-script)')
    .option('--omit <kind...>', 'skip dev and/or optional packages, like npm --omit', [])
    .option('--concurrency <n>', 'packages fetched at once', '8')
    .option('--allow-missing', 'exit 0 (not 2 or 3) when some packages could not be analysed')
    .option('--all', 'text lists every package (default: what holds a high or critical capability, then a summary of the rest)')
  ).action(async (lockfileArg: string | undefined, flags: AuditFlags) => {
      const formats = [flags.json, flags.sarif, flags.markdown].filter(Boolean).length;
      if (formats > 1) throw new DepcapsError('E_USAGE', 'choose one of --json, --sarif, --markdown');
      // What the action needs is loaded when it runs: `--help` and the other commands never pay for it.
      const [{ catalog }, { auditLockfile, incompleteExitCode, missingFolders }, { findLockfile }, { formatAuditMarkdown }, { formatAuditText }, { formatAuditSarif }] = await Promise.all([
        import('../../capabilities/index.js'),
        import('../commands/audit.js'),
        import('../lockfile/index.js'),
        import('../report/formatters/audit-markdown.js'),
        import('../report/formatters/audit-text.js'),
        import('../report/formatters/sarif.js'),
      ]);
      const failOn = (flags.failOn ?? '').split(',').map((v) => v.trim()).filter(Boolean);
      const ids = new Set(catalog.map((c) => c.id));
      const unknown = failOn.filter((v) => !ids.has(v));
      if (unknown.length > 0) throw new DepcapsError('E_USAGE', `--fail-on: unknown ${unknown.join(', ')}; capabilities are ${[...ids].join(', ')}`);
      const omit = (flags.omit ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
      const badOmit = omit.filter((o) => o !== 'dev' && o !== 'optional');
      if (badOmit.length > 0) throw new DepcapsError('E_USAGE', `--omit takes dev and/or optional, not ${badOmit.join(', ')}`);
      const concurrency = positiveInt('--concurrency', flags.concurrency) ?? 8;
      const cwd = process.cwd();
      const lockfile = lockfileArg ? resolve(cwd, lockfileArg) : findLockfile(cwd);
      const progress = progressLine(io, formats === 0);
      const options: AuditOptions = {
        ...commonScanOptions(flags, io),
        omit: omit as ('dev' | 'optional')[],
        concurrency,
        onWarning: (message) => {
          progress.clear();
          warn(io, message);
        },
        onProgress: (p) => progress.update(`${bar(p.done, p.total)} · ${p.cached} cached · ${p.current}`, p.done === p.total),
      };
      let report;
      try {
        report = await auditLockfile(lockfile, options);
      } finally {
        progress.clear();
      }
      const text = flags.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : flags.sarif
          ? formatAuditSarif(report, { toolVersion: toolVersion(), lockfileUri: relative(cwd, report.lockfile.path).split('\\').join('/') || report.lockfile.path })
          : flags.markdown
            ? formatAuditMarkdown(report)
            : formatAuditText(report, { color: wantsColor(io, false, flags.color) && !flags.output, all: flags.all === true });
      await writeReport(io, text, flags.output);
      const missing = missingFolders(report);
      for (const p of report.packages) if (p.status === 'error' && !missing.includes(p)) warn(io, `${p.name}@${p.version}: ${p.error ?? 'not analysed'}`);
      if (missing.length > 0) {
        const shown = missing.slice(0, 3).map((p) => p.alias ?? p.name).join(', ');
        warn(io, `${missing.length} workspace or local package folder(s) not found next to the lockfile (${shown}${missing.length > 3 ? ', …' : ''}): their own code was not analysed; audit inside the checkout to include it`);
      }
      const hits = report.packages.filter((p) => p.capabilities.some((c) => failOn.includes(c)));
      if (hits.length > 0) {
        warn(io, `--fail-on: ${hits.length} package(s) have ${failOn.join(', ')}: ${hits.slice(0, 5).map((p) => `${p.name}@${p.version}`).join(', ')}${hits.length > 5 ? ', …' : ''}`);
        setExit(1);
      } else if (!flags.allowMissing) {
        setExit(incompleteExitCode(report));
      } else {
        setExit(0);
      }
    });
}
