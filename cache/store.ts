import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/** A cached file result, keyed by content: what the engine found in these bytes, parsed this way. */
export interface FileKey {
  sha256: string;
  /** How the bytes are parsed (the extension class): the same bytes as .ts and .js may differ. */
  mode: string;
}

/** One package result to store, with the file results it produced. */
export interface PackageEntry {
  integrity: string;
  analyzer: string;
  name: string;
  version: string;
  report: unknown;
  files: readonly (FileKey & { result: unknown })[];
  /** Remember which tarball `registry`'s `name@version` is, so the next exact scan needs no request. */
  registryVersion?: { registry: string; name: string; version: string };
  /** The parse limit the result depended on (it scanned a file lexically for being larger); absent when none. */
  maxFileBytes?: number;
}

/** The limits a lookup runs under: a result that depended on a smaller parse limit is not served. */
export interface LookupLimits {
  maxFileBytes: number;
}

/** A stored packument with its validators. */
export interface StoredPackument {
  etag: string | null;
  lastModified: string | null;
  body: string;
  fetchedAt: number;
}

/** What `depcaps cache info` shows. */
export interface CacheInfo {
  path: string;
  /** Every byte under the cache directory: the database, its -wal and -shm, and anything else. */
  bytes: number;
  /** Where those bytes are: the database files, a pacote tarball cache left by earlier versions, the rest. */
  breakdown: { database: number; legacyTarballCache: number; other: number };
  packages: number;
  files: number;
  packuments: number;
  versions: number;
  analyzers: { analyzer: string; packages: number; files: number }[];
}

/** The database file inside the cache directory. */
const DB_FILE = 'cache.db';
/** Where earlier versions of depcaps let pacote keep every tarball (its `_cacache`): only ever deleted now. */
const LEGACY_TARBALL_CACHE = 'pacote';

/** Bytes on disk of a file or a whole tree (links are not followed, unreadable parts count as 0). */
function treeSize(path: string): number {
  let total = 0;
  const stack = [path];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      try {
        for (const name of readdirSync(p)) stack.push(join(p, name));
      } catch {
        // unreadable directory: counted as empty
      }
    } else {
      total += st.size;
    }
  }
  return total;
}

/** Each entry of a directory with the size of its tree. */
function topLevelSizes(dir: string): [string, number][] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((name) => [name, treeSize(join(dir, name))]);
}

/** Test hook: sleep this many ms inside the write transaction, so a test can kill the process mid-write. */
const PAUSE_ENV = 'DEPCAPS_TEST_PAUSE_IN_TX';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The only place that speaks SQL. Writes are idempotent upserts; a package is stored whole or not at all. */
/** Package hits whose last-used time is written together. */
const TOUCH_BATCH = 256;

export class CacheStore {
  /** Package results read since the last flush, by (integrity, analyzer): their last-used time is pending. */
  private readonly touched = new Map<string, [string, string, number]>();

  readonly dir: string;
  private readonly db: Database.Database;
  private readonly pauseMs: number;
  private readonly stmts;

  constructor(db: Database.Database, dir: string) {
    this.db = db;
    this.dir = dir;
    this.pauseMs = Number(process.env[PAUSE_ENV] ?? 0) || 0;
    this.stmts = {
      getPackage: db.prepare<[string, string, number], { report: string }>(
        'SELECT report FROM packages WHERE integrity = ? AND analyzer = ? AND (max_file_bytes IS NULL OR max_file_bytes >= ?)',
      ),
      hasPackage: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM packages WHERE integrity = ? AND analyzer = ?'),
      touchPackage: db.prepare<[number, string, string]>('UPDATE packages SET used_at = ? WHERE integrity = ? AND analyzer = ?'),
      putPackage: db.prepare(
        `INSERT INTO packages (integrity, analyzer, name, version, report, created_at, used_at, max_file_bytes)
         VALUES (@integrity, @analyzer, @name, @version, @report, @now, @now, @maxFileBytes)
         ON CONFLICT (integrity, analyzer) DO UPDATE SET report = excluded.report, used_at = excluded.used_at, max_file_bytes = excluded.max_file_bytes`,
      ),
      getFile: db.prepare<[string, string, string], { result: string }>('SELECT result FROM files WHERE sha256 = ? AND mode = ? AND analyzer = ?'),
      putFile: db.prepare(
        `INSERT INTO files (sha256, mode, analyzer, result, created_at, used_at) VALUES (@sha256, @mode, @analyzer, @result, @now, @now)
         ON CONFLICT (sha256, mode, analyzer) DO UPDATE SET used_at = excluded.used_at`,
      ),
      getVersion: db.prepare<[string, string, string], { integrity: string }>('SELECT integrity FROM versions WHERE registry = ? AND name = ? AND version = ?'),
      putVersion: db.prepare(
        `INSERT INTO versions (registry, name, version, integrity) VALUES (@registry, @name, @version, @integrity)
         ON CONFLICT (registry, name, version) DO UPDATE SET integrity = excluded.integrity`,
      ),
      getPackument: db.prepare<[string, string], { etag: string | null; last_modified: string | null; body: string; fetched_at: number }>(
        'SELECT etag, last_modified, body, fetched_at FROM packuments WHERE registry = ? AND name = ?',
      ),
      putPackument: db.prepare(
        `INSERT INTO packuments (registry, name, etag, last_modified, body, fetched_at) VALUES (@registry, @name, @etag, @lastModified, @body, @fetchedAt)
         ON CONFLICT (registry, name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, body = excluded.body, fetched_at = excluded.fetched_at`,
      ),
      touchPackument: db.prepare<[number, string, string]>('UPDATE packuments SET fetched_at = ? WHERE registry = ? AND name = ?'),
    };
  }

  /**
   * The cached report of a tarball for an analyzer version. With `limits`, a result that depended on
   * a smaller parse limit than `limits.maxFileBytes` is not returned: this run could read more.
   */
  getPackage(integrity: string, analyzer: string, limits?: LookupLimits): unknown {
    const row = this.stmts.getPackage.get(integrity, analyzer, limits?.maxFileBytes ?? 0);
    if (!row) return undefined;
    // Last-used times are written in batches (one transaction, not one write per hit): a warm audit of a
    // thousand packages would otherwise spend a sixth of its time on them.
    this.touched.set(`${integrity}\0${analyzer}`, [integrity, analyzer, Date.now()]);
    if (this.touched.size >= TOUCH_BATCH) this.flushTouches();
    return JSON.parse(row.report) as unknown;
  }

  /** Whether the cache holds a tarball's report for an analyzer version (nothing is read or parsed). */
  hasPackage(integrity: string, analyzer: string): boolean {
    return this.stmts.hasPackage.get(integrity, analyzer) !== undefined;
  }

  /** Cached file results by key (`sha256:mode`). */
  getFiles(keys: readonly FileKey[], analyzer: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const k of keys) {
      const id = `${k.sha256}:${k.mode}`;
      if (out.has(id)) continue;
      const row = this.stmts.getFile.get(k.sha256, k.mode, analyzer);
      if (row) out.set(id, JSON.parse(row.result) as unknown);
    }
    return out;
  }

  /** The tarball integrity last seen for `registry`'s `name@version`. */
  getVersionIntegrity(registry: string, name: string, version: string): string | undefined {
    return this.stmts.getVersion.get(registry, name, version)?.integrity;
  }

  /**
   * Stores a package result, its file results and its version mapping in ONE `BEGIN IMMEDIATE`
   * transaction: a deferred read-then-write transaction fails with SQLITE_BUSY about half the time under
   * 4 concurrent writers (measured), an immediate one waits for the lock instead. A process killed
   * mid-way leaves nothing: WAL rolls the transaction back.
   */
  putPackage(entry: PackageEntry): void {
    const now = Date.now();
    const write = this.db.transaction(() => {
      for (const f of entry.files) this.stmts.putFile.run({ sha256: f.sha256, mode: f.mode, analyzer: entry.analyzer, result: JSON.stringify(f.result), now });
      if (entry.registryVersion) this.stmts.putVersion.run({ ...entry.registryVersion, integrity: entry.integrity });
      if (this.pauseMs > 0) sleepSync(this.pauseMs);
      this.stmts.putPackage.run({
        integrity: entry.integrity,
        analyzer: entry.analyzer,
        name: entry.name,
        version: entry.version,
        report: JSON.stringify(entry.report),
        now,
        maxFileBytes: entry.maxFileBytes ?? null,
      });
    });
    write.immediate();
  }

  /**
   * Stores many package results in ONE transaction (each nested one becomes a savepoint): results copied
   * from the shared store in a batch cost one commit, not one each (919 results: ~0.75 s → see README).
   */
  putPackages(entries: readonly PackageEntry[]): void {
    this.db.transaction(() => {
      for (const entry of entries) this.putPackage(entry);
    }).immediate();
  }

  /** A stored packument. */
  getPackument(registry: string, name: string): StoredPackument | undefined {
    const row = this.stmts.getPackument.get(registry, name);
    return row ? { etag: row.etag, lastModified: row.last_modified, body: row.body, fetchedAt: row.fetched_at } : undefined;
  }

  /** Stores a packument (or, with `body` unchanged after a 304, refreshes its time). */
  putPackument(registry: string, name: string, p: StoredPackument): void {
    this.db.transaction(() => this.stmts.putPackument.run({ registry, name, ...p })).immediate();
  }

  /** Marks a stored packument as revalidated now (HTTP 304). */
  touchPackument(registry: string, name: string): void {
    this.bestEffort(() => this.stmts.touchPackument.run(Date.now(), registry, name));
  }

  /** Sizes and counts for `depcaps cache info`: the size is measured on disk, everything under the directory. */
  info(): CacheInfo {
    const count = (table: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const file = join(this.dir, DB_FILE);
    const breakdown = { database: 0, legacyTarballCache: 0, other: 0 };
    for (const [name, bytes] of topLevelSizes(this.dir)) {
      if (name === DB_FILE || name === `${DB_FILE}-wal` || name === `${DB_FILE}-shm`) breakdown.database += bytes;
      else if (name === LEGACY_TARBALL_CACHE) breakdown.legacyTarballCache += bytes;
      else breakdown.other += bytes;
    }
    const analyzers = this.db
      .prepare(
        `SELECT analyzer, sum(p) AS packages, sum(f) AS files FROM (
           SELECT analyzer, 1 AS p, 0 AS f FROM packages UNION ALL SELECT analyzer, 0, 1 FROM files
         ) GROUP BY analyzer ORDER BY analyzer`,
      )
      .all() as { analyzer: string; packages: number; files: number }[];
    return {
      path: file,
      bytes: breakdown.database + breakdown.legacyTarballCache + breakdown.other,
      breakdown,
      packages: count('packages'),
      files: count('files'),
      packuments: count('packuments'),
      versions: count('versions'),
      analyzers,
    };
  }

  /** Deletes everything depcaps cached, including the tarball cache earlier versions kept. */
  clear(): { packages: number; files: number; packuments: number } {
    const before = this.info();
    this.db.transaction(() => {
      for (const table of ['packages', 'files', 'versions', 'packuments']) this.db.exec(`DELETE FROM ${table}`);
    }).immediate();
    this.bestEffort(() => this.db.exec('VACUUM'));
    rmSync(join(this.dir, LEGACY_TARBALL_CACHE), { recursive: true, force: true });
    return { packages: before.packages, files: before.files, packuments: before.packuments };
  }

  /**
   * Deletes results not used since `before` (ms since epoch) and every result of another analyzer
   * version; packuments fetched before `before`; version mappings whose package is gone; and the
   * pacote tarball cache earlier versions kept in `pacote/` (nothing reads it any more).
   */
  prune(before: number, currentAnalyzer: string): { packages: number; files: number; packuments: number; legacyTarballBytes: number } {
    this.flushTouches();
    const result = this.db.transaction(() => ({
      packages: this.db.prepare('DELETE FROM packages WHERE used_at < ? OR analyzer <> ?').run(before, currentAnalyzer).changes,
      files: this.db.prepare('DELETE FROM files WHERE used_at < ? OR analyzer <> ?').run(before, currentAnalyzer).changes,
      packuments: this.db.prepare('DELETE FROM packuments WHERE fetched_at < ?').run(before).changes,
      versions: this.db.prepare('DELETE FROM versions WHERE integrity NOT IN (SELECT integrity FROM packages)').run().changes,
    })).immediate();
    this.bestEffort(() => this.db.exec('VACUUM'));
    const legacy = join(this.dir, LEGACY_TARBALL_CACHE);
    const legacyTarballBytes = treeSize(legacy);
    rmSync(legacy, { recursive: true, force: true });
    return { packages: result.packages, files: result.files, packuments: result.packuments, legacyTarballBytes };
  }

  /** Runs an integrity check (tests, `cache info --check`). */
  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** Closes the database, after writing the last-used times still pending. */
  close(): void {
    if (!this.db.open) return;
    this.flushTouches();
    this.db.close();
  }

  /** Writes the pending last-used times in one transaction (best effort). */
  private flushTouches(): void {
    if (this.touched.size === 0) return;
    const rows = [...this.touched.values()];
    this.touched.clear();
    this.bestEffort(() => this.db.transaction(() => {
      for (const [integrity, analyzer, at] of rows) this.stmts.touchPackage.run(at, integrity, analyzer);
    })());
  }

  /** Bookkeeping writes (last-used times) never fail a command: a busy or read-only cache skips them. */
  private bestEffort(fn: () => unknown): void {
    try {
      fn();
    } catch {
      // The result is still correct; only pruning order is affected.
    }
  }
}
