import type { Command } from 'commander';
import { DepcapsError } from '../errors.js';
import { DEFAULT_HISTORY_CONCURRENCY, packageHistory, type HistoryProgress } from '../history.js';
import { formatHistoryJson } from '../report/formatters/history-json.js';
import { formatHistoryText } from '../report/formatters/history-text.js';
import { type Io, wantsColor, warn, writeReport } from './output.js';

interface HistoryFlags {
  range?: string;
  since?: string;
  concurrency?: string;
  json?: boolean;
  registry?: string;
  cacheDir?: string;
  offline?: boolean;
  refresh?: boolean;
  cache?: boolean;
  output?: string;
  color?: boolean;
}

/** `Io` may say whether stderr is a terminal; the process's own streams are asked otherwise. */
function stderrIsTTY(io: Io): boolean {
  return (io as Io & { stderrIsTTY?: boolean }).stderrIsTTY ?? process.stderr.isTTY === true;
}

/** A one-line progress display, redrawn in place; silent when stderr is not a terminal. */
function progressLine(io: Io, name: string): { update: (p: HistoryProgress) => void; clear: () => void } {
  if (!stderrIsTTY(io)) return { update: () => {}, clear: () => {} };
  let shown = false;
  const columns = Math.max(20, (process.stderr.columns ?? 80) - 1);
  return {
    update: (p) => {
      const line = `${name}: ${p.done}/${p.total} versions · ${p.cached} cached · ${p.current}`;
      io.stderr(`\r\u001b[2K${line.length > columns ? `${line.slice(0, columns - 1)}…` : line}`);
      shown = true;
    },
    clear: () => {
      if (shown) io.stderr('\r\u001b[2K');
      shown = false;
    },
  };
}

function concurrencyFlag(value: string | undefined): number {
  if (value === undefined) return DEFAULT_HISTORY_CONCURRENCY;
  if (!/^\d{1,3}$/.test(value.trim())) throw new DepcapsError('E_USAGE', `--concurrency takes a whole number such as 4, not "${value.slice(0, 40)}"`);
  return Number(value);
}

/** `depcaps history <name>`. */
export function registerHistory(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('history')
    .description('capability timeline over the published versions of a package')
    .argument('<name>', 'package name (no version: use --range)')
    .option('--range <range>', 'only versions in this semver range, e.g. ^1.2.0')
    .option('--since <date>', 'only versions published on or after this ISO date, e.g. 2024-01-31')
    .option('--concurrency <n>', `versions analysed at once (default ${DEFAULT_HISTORY_CONCURRENCY})`)
    .option('--json', 'print the JSON report of CONTRACT.md')
    .option('--registry <url>', 'registry URL (overrides .npmrc and npm_config_registry)')
    .option('--cache-dir <dir>', 'cache directory (default: DEPCAPS_CACHE_DIR, $XDG_CACHE_HOME/depcaps, ~/.cache/depcaps)')
    .option('--offline', 'use only cached registry data (no request)')
    .option('--refresh', 'revalidate cached registry data even when fresh')
    .option('--no-cache', 'neither read nor write the cache')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('--no-color', 'no colours in text output')
    .action(async (name: string, flags: HistoryFlags) => {
      const progress = progressLine(io, name);
      let report;
      try {
        report = await packageHistory(name, {
          env: io.env,
          concurrency: concurrencyFlag(flags.concurrency),
          ...(flags.range !== undefined ? { range: flags.range } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.cacheDir ? { cacheDir: flags.cacheDir } : {}),
          ...(flags.registry ? { registry: flags.registry } : {}),
          ...(flags.offline ? { offline: true } : {}),
          ...(flags.refresh ? { refresh: true } : {}),
          ...(flags.cache === false ? { noCache: true } : {}),
          onWarning: (message) => {
            progress.clear();
            warn(io, message);
          },
          onProgress: progress.update,
        });
      } finally {
        progress.clear();
      }
      const text = flags.json ? formatHistoryJson(report) : formatHistoryText(report, { color: wantsColor(io, false, flags.color) && !flags.output });
      await writeReport(io, text, flags.output);
      setExit(0);
    });
}
