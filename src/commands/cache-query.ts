import semver from 'semver';
import { resolveSharedStore, SharedStoreConfigError } from '../../cache/shared/connection.js';
import { SharedStore, SharedStoreUnavailable, type CapabilityQueryRow } from '../../cache/shared/store.js';
import { defaultCatalogIndex } from '../analyze/catalog-index.js';
import type { CacheQueryPackage, CacheQueryReport, RunsWhen } from '../contract/index.js';
import { DepcapsError } from '../errors.js';
import { resolveLimits } from '../limits.js';
import { scrubSecrets } from '../redact.js';
import { analyzerVersionOf } from './scan-cache.js';

/** The values findings carry in `runs`. */
export const RUNS_VALUES: readonly RunsWhen[] = ['install', 'import', 'call', 'unreached'];

/** Options of {@link queryCache}. */
export interface CacheQueryOptions {
  /** `postgres://…` (default: DEPCAPS_CACHE_URL). */
  cacheUrl?: string;
  capabilities: readonly string[];
  /** Only findings that run at one of these times (empty: any time). */
  runs?: readonly RunsWhen[];
  env?: NodeJS.ProcessEnv;
}

function byVersion(a: CacheQueryPackage, b: CacheQueryPackage): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const va = semver.valid(a.version);
  const vb = semver.valid(b.version);
  if (va && vb && va !== vb) return semver.compare(va, vb);
  return a.version < b.version ? -1 : a.version > b.version ? 1 : a.integrity < b.integrity ? -1 : a.integrity > b.integrity ? 1 : 0;
}

/** Groups capability rows into package versions; with `runs`, a row without `runs` counts as unknown. */
function group(rows: readonly CapabilityQueryRow[], runs: readonly RunsWhen[]): { packages: CacheQueryPackage[]; unknownRuns: number } {
  const byIntegrity = new Map<string, CacheQueryPackage>();
  const unknown = new Set<string>();
  for (const r of rows) {
    if (runs.length > 0 && r.runs === '') {
      unknown.add(r.integrity);
      continue;
    }
    const pkg = byIntegrity.get(r.integrity) ?? { name: r.name, version: r.version, integrity: r.integrity, analyzer: r.analyzer, toolVersion: r.tool_version, capabilities: {} };
    byIntegrity.set(r.integrity, pkg);
    const cap = (pkg.capabilities[r.capability] ??= { findings: 0 });
    cap.findings += r.findings;
    if (r.runs !== '') (cap.runs ??= {})[r.runs as RunsWhen] = (cap.runs?.[r.runs as RunsWhen] ?? 0) + r.findings;
  }
  for (const integrity of byIntegrity.keys()) unknown.delete(integrity);
  return { packages: [...byIntegrity.values()].sort(byVersion), unknownRuns: unknown.size };
}

/**
 * Which package versions in the shared store have one of `capabilities` (an organisation's inventory:
 * "which versions we lock anywhere can reach the network at install time?").
 * @throws DepcapsError E_USAGE without a cache URL or with an unknown capability; E_CACHE when the store
 *   cannot be read (down, refusing the login, no schema yet).
 */
export async function queryCache(options: CacheQueryOptions): Promise<CacheQueryReport> {
  const env = options.env ?? process.env;
  const url = options.cacheUrl ?? env['DEPCAPS_CACHE_URL'];
  if (!url) throw new DepcapsError('E_USAGE', 'cache query reads the shared store: give --cache-url postgres://… or set DEPCAPS_CACHE_URL');
  const index = defaultCatalogIndex();
  const known = new Set(index.capabilities.map((c) => c.id));
  const unknown = options.capabilities.filter((c) => !known.has(c));
  if (options.capabilities.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `unknown capability ${unknown.join(', ')}` : 'give --capability';
    throw new DepcapsError('E_USAGE', `cache query: ${what}; capabilities are ${[...known].join(', ')}`);
  }
  let config;
  try {
    config = resolveSharedStore(url, { readonly: true, env, timeoutMs: resolveLimits({}, env).cacheUrlTimeoutMs });
  } catch (err) {
    if (err instanceof SharedStoreConfigError) throw new DepcapsError('E_USAGE', err.message);
    throw err;
  }
  const analyzer = analyzerVersionOf(index);
  const runs = [...new Set(options.runs ?? [])].sort();
  let store: SharedStore | undefined;
  let rows: CapabilityQueryRow[];
  try {
    store = await SharedStore.open(config, () => {});
    rows = await store.queryCapabilities({ capabilities: options.capabilities, ...(runs.length > 0 ? { runs: [...runs, ''] } : {}), analyzer });
  } catch (err) {
    const reason = err instanceof SharedStoreUnavailable ? err.message : scrubSecrets((err as Error).message, config.secrets);
    throw new DepcapsError('E_CACHE', `cannot read the shared cache ${config.display}: ${reason}`, { cause: err });
  } finally {
    await store?.close();
  }
  const { packages, unknownRuns } = group(rows, runs);
  return {
    schemaVersion: 1,
    store: config.display,
    query: { capabilities: [...new Set(options.capabilities)].sort(), runs, analyzer },
    packages,
    summary: { packages: packages.length, names: new Set(packages.map((p) => p.name)).size, unknownRuns },
  };
}
