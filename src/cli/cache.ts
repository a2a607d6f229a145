import type { Command } from 'commander';
import { resolveCacheDir } from '../../cache/location.js';
import { DepcapsError } from '../errors.js';
import type { RunsWhen } from '../contract/index.js';
import { type Io, warn, writeReport } from './output.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `2w`, `90m` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : undefined;
}

function humanBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

interface CacheFlags {
  cacheDir?: string;
  json?: boolean;
}

/** The cache store (SQLite is loaded here, when a cache command runs). */
async function open(io: Io, flags: CacheFlags) {
  const { openCache } = await import('../../cache/open.js');
  const dir = resolveCacheDir(flags.cacheDir, io.env);
  const opened = openCache(dir);
  if (opened.warning) warn(io, opened.warning);
  if (!opened.store) throw new DepcapsError('E_CACHE', `the cache in ${dir} cannot be used.`);
  return opened.store;
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** The analyzer version results are cached under today (loads the catalog). */
async function currentAnalyzer(): Promise<string> {
  const [{ defaultCatalogIndex }, { analyzerVersionOf }] = await Promise.all([import('../analyze/catalog-index.js'), import('../commands/scan-cache.js')]);
  return analyzerVersionOf(defaultCatalogIndex());
}

/** `depcaps cache info|clear|prune|query`. */
export function registerCache(program: Command, io: Io, setExit: (code: number) => void): void {
  const cache = program.command('cache').description('the local SQLite cache of results, file results and packuments (no tarballs); the shared store behind it');
  const common = (c: Command) => c.option('--cache-dir <dir>', 'cache directory').option('--json', 'JSON output');

  common(cache.command('info').description('where the cache is, its size on disk and what it holds')).action(async (flags: CacheFlags) => {
    const store = await open(io, flags);
    try {
      const info = { ...store.info(), currentAnalyzer: await currentAnalyzer() };
      const { database, legacyTarballCache, other } = info.breakdown;
      const parts = [
        `results ${humanBytes(database)}`,
        ...(legacyTarballCache > 0 ? [`old tarball cache ${humanBytes(legacyTarballCache)} (\`depcaps cache prune\` removes it)`] : []),
        ...(other > 0 ? [`other files ${humanBytes(other)}`] : []),
      ];
      const text = flags.json
        ? `${JSON.stringify(info, null, 2)}\n`
        : [
            `path        ${info.path}`,
            `size        ${humanBytes(info.bytes)} on disk: ${parts.join(', ')}`,
            `packages    ${info.packages}`,
            `files       ${info.files}`,
            `packuments  ${info.packuments}`,
            `analyser    ${info.currentAnalyzer} (current)`,
            ...info.analyzers.map((a) => `            ${a.analyzer}: ${a.packages} packages, ${a.files} files${a.analyzer === info.currentAnalyzer ? '' : ' (stale: `depcaps cache prune` removes them)'}`),
            '',
          ].join('\n');
      await writeReport(io, text);
      setExit(0);
    } finally {
      store.close();
    }
  });

  common(cache.command('clear').description('delete every cached result and packument (and an old tarball cache)')).action(async (flags: CacheFlags) => {
    const store = await open(io, flags);
    try {
      const removed = store.clear();
      await writeReport(io, flags.json ? `${JSON.stringify({ removed }, null, 2)}\n` : `removed ${removed.packages} packages, ${removed.files} files, ${removed.packuments} packuments\n`);
      setExit(0);
    } finally {
      store.close();
    }
  });

  common(cache.command('prune').description('delete results unused for a while, every result of older analyser versions, and the tarball cache older depcaps versions kept'))
    .option('--older-than <age>', 'age such as 30d, 12h, 2w', '30d')
    .action(async (flags: CacheFlags & { olderThan: string }) => {
      const age = parseDuration(flags.olderThan);
      if (age === undefined) throw new DepcapsError('E_USAGE', `--older-than takes an age such as 30d, 12h or 2w, not "${flags.olderThan}"`);
      const store = await open(io, flags);
      try {
        const removed = store.prune(Date.now() - age, await currentAnalyzer());
        const legacy = removed.legacyTarballBytes > 0 ? `, and the old tarball cache (${humanBytes(removed.legacyTarballBytes)})` : '';
        await writeReport(io, flags.json ? `${JSON.stringify({ removed }, null, 2)}\n` : `removed ${removed.packages} packages, ${removed.files} files, ${removed.packuments} packuments${legacy}\n`);
        setExit(0);
      } finally {
        store.close();
      }
    });

  cache
    .command('query')
    .description('which package versions in the shared store (--cache-url) have a capability')
    .requiredOption('--capability <id...>', 'capability ids, e.g. network or network,shell')
    .option('--runs <when...>', 'only findings that run then: install, import, call, unreached')
    .option('--cache-url <url>', 'postgres:// store (default: DEPCAPS_CACHE_URL)')
    .option('--json', 'JSON output')
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .action(async (flags: { capability?: string[]; runs?: string[]; cacheUrl?: string; json?: boolean; output?: string }) => {
      const [{ queryCache, RUNS_VALUES }, { formatCacheQueryText }] = await Promise.all([
        import('../commands/cache-query.js'),
        import('../report/formatters/cache-query-text.js'),
      ]);
      const runs = list(flags.runs);
      const bad = runs.filter((r) => !(RUNS_VALUES as readonly string[]).includes(r));
      if (bad.length > 0) throw new DepcapsError('E_USAGE', `--runs takes ${RUNS_VALUES.join(', ')}, not ${bad.join(', ')}`);
      const report = await queryCache({
        capabilities: list(flags.capability),
        runs: runs as RunsWhen[],
        env: io.env,
        ...(flags.cacheUrl ? { cacheUrl: flags.cacheUrl } : {}),
      });
      await writeReport(io, flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatCacheQueryText(report), flags.output);
      setExit(0);
    });
}
