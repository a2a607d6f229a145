import type { CacheStore, PackageEntry } from '../store.js';
import type { SharedStoreConfig } from './connection.js';
import { SharedStore, SharedStoreUnavailable, type CapabilityRow, type LookupKey, type LookupRow, type PublishEntry } from './store.js';

/** Options of a {@link SharedLayer}. */
export interface SharedLayerOptions {
  config: SharedStoreConfig;
  /** The local cache results are copied into (and read from by the scans). */
  local: CacheStore;
  /** The analyzer version of this run: only its results are read. */
  analyzer: string;
  /** Receives the warnings; the caller scrubs `config.secrets` from them before printing. */
  onWarning: (message: string) => void;
  /** Keys per lookup statement. */
  lookupBatch?: number;
  /** Results per publishing statement (fewer when their reports pass {@link PUBLISH_BYTES}). */
  publishBatch?: number;
}

/** What the shared store did for one run. */
export interface SharedLayerStats {
  /** `postgres://host:port/database`. */
  store: string;
  readonly: boolean;
  connections: number;
  /** Statements sent (each one round trip); connecting is counted in `connections`. */
  roundTrips: number;
  /** Time spent waiting on the server, ms. */
  ms: number;
  /** Packages asked for. */
  lookedUp: number;
  /** Results found and copied into the local cache. */
  hits: number;
  /** Rows that did not match their own key (integrity, name, version): ignored. */
  rejected: number;
  /** Results sent to the store, and how many of them were new there. */
  published: number;
  inserted: number;
  /** Why the store was given up on, when it was. */
  failed?: string;
}

/** Default keys per lookup: ~200 reports are a few MB, one statement. */
const LOOKUP_BATCH = 200;
/** Default results per publishing statement. */
const PUBLISH_BATCH = 50;
/** A publishing statement is sent early once its reports reach this many bytes. */
const PUBLISH_BYTES = 8 * 1024 * 1024;
/** Error reasons that depend on the machine (a loaded CI runner), not on the bytes: never shared. */
const MACHINE_DEPENDENT = new Set(['timeout', 'worker-crash']);

interface Pending {
  key: LookupKey;
  resolve: () => void;
}

function keyId(k: LookupKey): string {
  return `${k.registry}\0${k.name}\0${k.version}\0${k.integrity ?? ''}`;
}

/** An error as the one line a user reads: what went wrong, never a credential. */
function describe(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'EPIPE':
    case '57P01':
    case '57P02':
    case '57P03':
      return `the connection was lost (${message})`;
    case '28P01':
    case '28000':
      return `the server refused the login (${message})`;
    case '3D000':
      return message;
    default:
      break;
  }
  if (/timeout|timed out/i.test(message)) return `no answer within ${timeoutMs} ms (${message})`;
  if (/terminated|ended unexpectedly|not queryable/i.test(message)) return `the connection was lost (${message})`;
  return e.code ? `${e.code}: ${message}` : message;
}

/** Errors that say this login may read but not write. */
function isWriteRefused(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === '42501' || code === '25006';
}

/** Errors about one statement's data (not the connection): retried result by result. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('22') || code.startsWith('23') || code === '54000';
}

/** The per-capability rows of a report: findings counted by (capability, when it runs). */
function capabilityRows(report: { findings?: readonly { capability?: unknown; runs?: unknown }[] }): CapabilityRow[] {
  const counts = new Map<string, CapabilityRow>();
  for (const f of report.findings ?? []) {
    if (typeof f.capability !== 'string') continue;
    const runs = typeof f.runs === 'string' ? f.runs : '';
    const id = `${f.capability}\0${runs}`;
    const row = counts.get(id) ?? { capability: f.capability, runs, findings: 0 };
    row.findings++;
    counts.set(id, row);
  }
  return [...counts.values()];
}

/**
 * The shared PostgreSQL store as a layer around one run's local cache. Before a package is looked up
 * locally, `prepare` copies the store's results for it into the local cache, batching the keys of many
 * packages into one statement; `publish` sends new local results back in batches. The store is opened
 * on first use. Anything going wrong with it (down, slow, refusing the login, too new) gives ONE warning
 * and the run goes on with the local cache alone: no method here throws or rejects.
 */
export class SharedLayer {
  private readonly options: SharedLayerOptions;
  private opening: Promise<SharedStore | null> | undefined;
  private store: SharedStore | undefined;
  private failure: string | undefined;
  private writable: boolean;
  private readonly known = new Map<string, Promise<void>>();
  /** Integrities the store returned: never published back. */
  private readonly inStore = new Set<string>();
  private pending: Pending[] = [];
  private flushQueued = false;
  private queue: PublishEntry[] = [];
  private queueBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly warned = new Set<string>();
  private readonly counts = { lookedUp: 0, hits: 0, rejected: 0, published: 0, inserted: 0 };

  constructor(options: SharedLayerOptions) {
    this.options = options;
    this.writable = !options.config.readonly;
  }

  /** `postgres://host:port/database`: safe to print. */
  get display(): string {
    return this.options.config.display;
  }

  /**
   * Copies the store's results for `keys` into the local cache. Keys asked before are not asked again;
   * keys asked in the same tick share statements of up to `lookupBatch` keys. Resolves once every key's
   * statement is answered (or the store is given up on).
   */
  prepare(keys: readonly LookupKey[]): Promise<void> {
    if (this.failure) return Promise.resolve();
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      const id = keyId(key);
      let wait = this.known.get(id);
      if (!wait) {
        wait = new Promise<void>((resolve) => this.pending.push({ key, resolve }));
        this.known.set(id, wait);
        this.counts.lookedUp++;
      }
      waits.push(wait);
    }
    const batch = this.options.lookupBatch ?? LOOKUP_BATCH;
    while (this.pending.length >= batch) this.track(this.lookup(this.pending.splice(0, batch)));
    if (this.pending.length > 0 && !this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        while (this.pending.length > 0) this.track(this.lookup(this.pending.splice(0, batch)));
      });
    }
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * Queues a result stored in the local cache for the shared store. Only registry packages are shared
   * (a directory or a local tarball is the user's own code), never a result the store itself gave,
   * and never one whose errors depend on the machine (a file that timed out on a loaded runner).
   */
  publish(entry: PackageEntry): void {
    if (this.failure || !this.writable || !entry.registryVersion || this.inStore.has(entry.integrity)) return;
    // A result that hit this run's parse limit (`--max-file-bytes`) is only right for that limit: kept locally.
    if (entry.maxFileBytes !== undefined) return;
    const report = entry.report as { errors?: readonly { reason?: string }[]; tool?: { version?: string }; findings?: readonly { capability?: unknown; runs?: unknown }[] };
    if (report.errors?.some((e) => e.reason !== undefined && MACHINE_DEPENDENT.has(e.reason))) return;
    this.inStore.add(entry.integrity);
    const text = JSON.stringify(entry.report);
    this.queue.push({
      integrity: entry.integrity,
      analyzer: entry.analyzer,
      name: entry.name,
      version: entry.version,
      toolVersion: report.tool?.version ?? 'unknown',
      report: text,
      capabilities: capabilityRows(report),
      registryVersion: entry.registryVersion,
    });
    this.queueBytes += text.length;
    if (this.queue.length >= (this.options.publishBatch ?? PUBLISH_BATCH) || this.queueBytes >= PUBLISH_BYTES) this.flush();
  }

  /** Sends what is queued, waits for every statement in flight, and closes the connection. Never rejects. */
  async close(): Promise<void> {
    while (this.pending.length > 0) this.track(this.lookup(this.pending.splice(0, this.options.lookupBatch ?? LOOKUP_BATCH)));
    this.flush();
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    await this.store?.close();
  }

  /** Counters for the end-of-run line and the benchmark. */
  stats(): SharedLayerStats {
    const c = this.store?.counters ?? { connections: 0, roundTrips: 0, ms: 0 };
    return {
      store: this.display,
      readonly: !this.writable,
      connections: c.connections,
      roundTrips: c.roundTrips,
      ms: c.ms,
      ...this.counts,
      ...(this.failure ? { failed: this.failure } : {}),
    };
  }

  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  private open(): Promise<SharedStore | null> {
    this.opening ??= SharedStore.open(this.options.config, (err) => this.fail(err)).then(
      (store) => {
        this.store = store;
        if (this.failure) return null;
        if (store.readOnly) this.writable = false;
        return store;
      },
      (err: unknown) => {
        this.fail(err);
        return null;
      },
    );
    return this.opening;
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.options.onWarning(message);
  }

  /** Gives the store up for the rest of the run, with the one warning that says why. */
  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof SharedStoreUnavailable ? err.message : describe(err, this.options.config.timeoutMs);
    this.warnOnce('failed', `shared cache ${this.display} not used: ${this.failure}; continuing with the local cache`);
    for (const p of this.pending.splice(0)) p.resolve();
    this.queue = [];
    void this.store?.close();
  }

  private async lookup(batch: Pending[]): Promise<void> {
    try {
      const store = await this.open();
      if (!store || this.failure) return;
      let rows: LookupRow[];
      try {
        rows = await store.lookup(batch.map((p) => p.key), this.options.analyzer);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.hydrate(rows);
    } finally {
      for (const p of batch) p.resolve();
    }
  }

  /**
   * Copies rows into the local cache. A row is used only for the exact integrity it is stored under:
   * its report must name that integrity, name and version (a store is written by many machines).
   */
  private hydrate(rows: readonly LookupRow[]): void {
    const entries: PackageEntry[] = [];
    for (const row of rows) {
      let report: { schemaVersion?: unknown; package?: { name?: unknown; version?: unknown; integrity?: unknown } };
      try {
        report = JSON.parse(row.report) as typeof report;
      } catch {
        report = {};
      }
      const p = report.package;
      if (report.schemaVersion !== 1 || p?.integrity !== row.integrity || p.name !== row.name || p.version !== row.version) {
        this.counts.rejected++;
        this.warnOnce('rejected', `shared cache ${this.display}: ignored a result whose report does not match its key (${row.name}@${row.version}); it will be analysed here`);
        continue;
      }
      const registryVersion = row.mapped === row.integrity ? { registry: row.registry, name: row.wantName, version: row.wantVersion } : undefined;
      entries.push({ integrity: row.integrity, analyzer: this.options.analyzer, name: row.name, version: row.version, report, files: [], ...(registryVersion ? { registryVersion } : {}) });
    }
    try {
      this.options.local.putPackages(entries);
    } catch (err) {
      this.warnOnce('local', `could not copy results of shared cache ${this.display} into the local cache (${(err as { code?: string }).code ?? (err as Error).message})`);
      return;
    }
    for (const e of entries) this.inStore.add(e.integrity);
    this.counts.hits += entries.length;
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.queueBytes = 0;
    this.track(this.send(batch));
  }

  private async send(batch: PublishEntry[]): Promise<void> {
    const store = await this.open();
    if (!store || this.failure || !this.writable) return;
    try {
      // Read the counter after the await: statements of one run overlap.
      const inserted = await store.publish(batch);
      this.counts.inserted += inserted;
      this.counts.published += batch.length;
    } catch (err) {
      if (isWriteRefused(err)) {
        this.writable = false;
        this.warnOnce('readonly', `shared cache ${this.display}: this login cannot write (${(err as Error).message}); results are read but not shared (readers should use --cache-url-readonly)`);
      } else if (isDataError(err) && batch.length > 1) {
        // One bad result must not cost the batch: each is sent on its own.
        for (const entry of batch) await this.send([entry]);
      } else if (isDataError(err)) {
        this.warnOnce('data', `shared cache ${this.display}: could not store ${batch[0]!.name}@${batch[0]!.version} (${(err as Error).message})`);
      } else {
        this.fail(err);
      }
    }
  }
}
