import type { Command } from 'commander';
import { resolveCacheDir } from '../../cache/location.js';
import { openCache } from '../../cache/open.js';
import { defaultCatalogIndex } from '../analyze/catalog-index.js';
import { DepcapsError } from '../errors.js';
import { analyzerVersionOf } from '../commands/scan-cache.js';
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

function open(io: Io, flags: CacheFlags) {
  const dir = resolveCacheDir(flags.cacheDir, io.env);
  const opened = openCache(dir);
  if (opened.warning) warn(io, opened.warning);
  if (!opened.store) throw new DepcapsError('E_CACHE', `the cache in ${dir} cannot be used.`);
  return opened.store;
}

/** `depcaps cache info|clear|prune`. */
export function registerCache(program: Command, io: Io, setExit: (code: number) => void): void {
  const cache = program.command('cache').description('the local SQLite cache of results, file results and packuments (no tarballs)');
  const common = (c: Command) => c.option('--cache-dir <dir>', 'cache directory').option('--json', 'JSON output');

  common(cache.command('info').description('where the cache is, its size on disk and what it holds')).action(async (flags: CacheFlags) => {
    const store = open(io, flags);
    try {
      const info = { ...store.info(), currentAnalyzer: analyzerVersionOf(defaultCatalogIndex()) };
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
    const store = open(io, flags);
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
      const store = open(io, flags);
      try {
        const removed = store.prune(Date.now() - age, analyzerVersionOf(defaultCatalogIndex()));
        const legacy = removed.legacyTarballBytes > 0 ? `, and the old tarball cache (${humanBytes(removed.legacyTarballBytes)})` : '';
        await writeReport(io, flags.json ? `${JSON.stringify({ removed }, null, 2)}\n` : `removed ${removed.packages} packages, ${removed.files} files, ${removed.packuments} packuments${legacy}\n`);
        setExit(0);
      } finally {
        store.close();
      }
    });
}
