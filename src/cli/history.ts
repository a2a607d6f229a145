import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import { DEFAULT_HISTORY_CONCURRENCY } from '../limits.js';
import { addCommonOptions, commonScanOptions, type CommonFlags } from './common.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';
import { progressLine } from './progress.js';

interface HistoryFlags extends CommonFlags {
  range?: string;
  since?: string;
  concurrency?: string;
  json?: boolean;
}

function concurrencyFlag(value: string | undefined): number {
  if (value === undefined) return DEFAULT_HISTORY_CONCURRENCY;
  if (!/^\d{1,3}$/.test(value.trim())) throw new DepcapsError('E_USAGE', `--concurrency takes a whole number such as 4, not "${value.slice(0, 40)}"`);
  return Number(value);
}

/** `depcaps history <name>`. */
export function registerHistory(program: Command, io: Io, setExit: (code: number) => void): void {
  addCommonOptions(
    program
    .command('history')
    .description('capability timeline over the published versions of a package')
    .argument('<name>', 'package name (no version: use --range)')
    .option('--range <range>', 'only versions in this semver range, e.g. ^1.2.0')
    .option('--since <date>', 'only versions published on or after this ISO date, e.g. 2024-01-31')
    .option('--concurrency <n>', `versions analysed at once (default ${DEFAULT_HISTORY_CONCURRENCY})`)
    .option('--json', 'print the JSON report of CONTRACT.md')
  ).action(async (name: string, flags: HistoryFlags) => {
      // What the action needs is loaded when it runs: `--help` and the other commands never pay for it.
      const [{ packageHistory }, { formatHistoryJson }, { formatHistoryText }] = await Promise.all([
        import('../commands/history.js'),
        import('../report/formatters/history-json.js'),
        import('../report/formatters/history-text.js'),
      ]);
      const progress = progressLine(io);
      let report;
      try {
        report = await packageHistory(name, {
          ...commonScanOptions(flags, io),
          concurrency: concurrencyFlag(flags.concurrency),
          ...(flags.range !== undefined ? { range: flags.range } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          onWarning: (message) => {
            progress.clear();
            warn(io, message);
          },
          onProgress: (p) => progress.update(`${name}: ${p.done}/${p.total} versions · ${p.cached} cached · ${p.current}`, p.done === p.total),
        });
      } finally {
        progress.clear();
      }
      const text = flags.json ? formatHistoryJson(report) : formatHistoryText(report, { color: wantsColor(io, false, flags.color) && !flags.output });
      await writeReport(io, text, flags.output);
      setExit(0);
    });
}
