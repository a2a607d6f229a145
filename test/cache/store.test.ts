/**
 * Unit tests of the SQLite cache (cache/open.ts + cache/store.ts): schema and migrations, WAL and
 * connection settings, all-or-nothing package writes, idempotent upserts, prune/clear, and the
 * unusable-cache cases of RELIABILITY items 28 (unusable) and 29 (disk full).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS } from '../../cache/migrations/index.js';
import { DB_FILE, openCache } from '../../cache/open.js';
import { CacheStore, type PackageEntry } from '../../cache/store.js';
import { AnalysisPool } from '../../src/analyze/pool.js';
import { resolveLimits } from '../../src/limits.js';
import { scanPackage } from '../../src/commands/scan.js';
import { makePackageTarball } from '../helpers/make-tarball.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

let tmp: TmpEnv;
let seq = 0;
const opened: CacheStore[] = [];
const raw: Database.Database[] = [];

beforeAll(() => {
  tmp = makeTmpEnv();
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const s of opened.splice(0)) s.close();
  for (const db of raw.splice(0)) if (db.open) db.close();
});

afterAll(() => {
  // Undo the chmod case (root never needs it, a normal user does to delete the tree).
  for (const name of readdirSync(tmp.root)) {
    try {
      chmodSync(join(tmp.root, name), 0o700);
    } catch {
      // not ours to fix
    }
  }
  tmp.cleanup();
});

/** A fresh, not yet existing cache directory. */
function freshDir(): string {
  return join(tmp.root, `cache-${++seq}`);
}

/** Opens a cache that must be usable, and closes it after the test. */
function mustOpen(dir: string): CacheStore {
  const o = openCache(dir);
  expect(o.store, o.warning).not.toBeNull();
  opened.push(o.store!);
  return o.store!;
}

/** A second, independent connection to a cache database (what another process would see). */
function rawDb(dir: string, options: Database.Options = {}): Database.Database {
  const db = new Database(join(dir, DB_FILE), options);
  raw.push(db);
  return db;
}

/**
 * The store's own connection. Test-only: `db` is a private field, read here to check the settings
 * that are per connection (busy_timeout, foreign_keys) and that no transaction is left open.
 */
function connectionOf(store: CacheStore): Database.Database {
  return (store as unknown as { db: Database.Database }).db;
}

function count(db: Database.Database, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number }).n;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function entry(over: Partial<PackageEntry> = {}): PackageEntry {
  return {
    integrity: 'sha512-AAAA',
    analyzer: 'an-1',
    name: 'pkg',
    version: '1.0.0',
    report: { findings: [{ capability: 'fs', file: 'a.js', line: 1 }] },
    files: [
      { sha256: 'f'.repeat(64), mode: 'js', result: { findings: [{ capability: 'fs', line: 1 }], errors: [], anomalies: [], imports: [] } },
      { sha256: 'e'.repeat(64), mode: 'js', result: { findings: [], errors: [], anomalies: [], imports: ['lodash'] } },
    ],
    registryVersion: { registry: 'http://r.example/', name: 'pkg', version: '1.0.0' },
    ...over,
  };
}

/** Every row of the four tables, for "nothing changed" comparisons. */
function dump(db: Database.Database): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of ['packages', 'files', 'versions', 'packuments']) out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
  return out;
}

describe('schema, migrations and connection settings', () => {
  it('creates the schema at user_version = MIGRATIONS.length, in WAL mode, with busy_timeout and foreign keys on', () => {
    const dir = freshDir();
    const o = openCache(dir);
    expect(o.warning).toBeUndefined();
    expect(o.store).not.toBeNull();
    opened.push(o.store!);
    const conn = connectionOf(o.store!);
    expect(conn.pragma('busy_timeout', { simple: true })).toBe(15_000);
    expect(conn.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');

    const db = rawDb(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    // WAL is a property of the file, so a second connection sees it too.
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['files', 'packages', 'packuments', 'versions']);
    expect(o.store!.integrityCheck()).toBe('ok');
  });

  it('reopening is idempotent: no migration re-run, data kept, two stores can be open at once', () => {
    const dir = freshDir();
    const first = mustOpen(dir);
    first.putPackage(entry());
    const schemaBefore = rawDb(dir).prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const again = openCache(dir);
    expect(again.warning).toBeUndefined();
    opened.push(again.store!);
    expect(again.store!.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
    const db = rawDb(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(schemaBefore);
    expect(count(db, 'SELECT count(*) AS n FROM packages')).toBe(1);
  });

  it('never writes to a database of a newer schema: warning, no store, user_version and bytes unchanged', () => {
    const dir = freshDir();
    mustOpen(dir).putPackage(entry());
    for (const s of opened.splice(0)) s.close();
    const db = new Database(join(dir, DB_FILE));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close(); // checkpoints the WAL into the main file
    const file = join(dir, DB_FILE);
    const before = sha256(readFileSync(file));

    const o = openCache(dir);
    expect(o.store).toBeNull();
    expect(o.warning).toMatch(/newer depcaps/);
    expect(o.warning).toContain(file);
    expect(o.warning).toContain(`schema ${MIGRATIONS.length + 1}`);
    expect(sha256(readFileSync(file))).toBe(before);
    const check = rawDb(dir);
    expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1);
    expect(count(check, 'SELECT count(*) AS n FROM packages')).toBe(1);
    // Not mistaken for corruption: nothing moved aside.
    expect(readdirSync(dir).filter((n) => n.includes('corrupt'))).toEqual([]);
  });
});

describe('putPackage', () => {
  it('is all-or-nothing when a file result cannot be serialised mid-transaction', () => {
    const store = mustOpen(freshDir());
    // The first file row is inserted, then JSON.stringify throws on the BigInt of the second.
    const bad = entry({ files: [entry().files[0]!, { sha256: 'd'.repeat(64), mode: 'js', result: { n: 1n } }] });
    expect(() => store.putPackage(bad)).toThrow(/BigInt/);
    const db = connectionOf(store);
    expect(db.inTransaction).toBe(false);
    expect(store.getPackage('sha512-AAAA', 'an-1')).toBeUndefined();
    expect(store.getFiles([{ sha256: 'f'.repeat(64), mode: 'js' }], 'an-1').size).toBe(0);
    expect(store.getVersionIntegrity('http://r.example/', 'pkg', '1.0.0')).toBeUndefined();
    expect(dump(db)).toEqual({ packages: [], files: [], versions: [], packuments: [] });
  });

  it('is all-or-nothing when the package row itself fails, after every file and version row was written', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    // A trigger from another connection makes the LAST statement of the transaction fail.
    rawDb(dir).exec("CREATE TRIGGER no_pkg BEFORE INSERT ON packages BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END");
    expect(() => store.putPackage(entry())).toThrow(/refused by test trigger/);
    const db = connectionOf(store);
    expect(db.inTransaction).toBe(false);
    expect(dump(db)).toEqual({ packages: [], files: [], versions: [], packuments: [] });

    // The store is still usable once the cause is gone.
    rawDb(dir).exec('DROP TRIGGER no_pkg');
    store.putPackage(entry());
    expect(store.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
    expect(count(db, 'SELECT count(*) AS n FROM files')).toBe(2);
  });

  it('upserts idempotently: two puts of one key give one row of each kind, the report is the latest', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    store.putPackage(entry());
    store.putPackage(entry({ report: { second: true } }));
    const db = rawDb(dir);
    expect(count(db, 'SELECT count(*) AS n FROM packages')).toBe(1);
    expect(count(db, 'SELECT count(*) AS n FROM files')).toBe(2);
    expect(count(db, 'SELECT count(*) AS n FROM versions')).toBe(1);
    expect(store.getPackage('sha512-AAAA', 'an-1')).toEqual({ second: true });
    // A version that moved to another tarball (a republish on a private registry) is remapped, not duplicated.
    store.putPackage(entry({ integrity: 'sha512-BBBB' }));
    expect(count(db, 'SELECT count(*) AS n FROM versions')).toBe(1);
    expect(store.getVersionIntegrity('http://r.example/', 'pkg', '1.0.0')).toBe('sha512-BBBB');
  });
});

describe('lookups', () => {
  it('getFiles returns results by sha256:mode for one analyzer only; misses are absent', () => {
    const store = mustOpen(freshDir());
    store.putPackage(entry());
    store.putPackage(entry({ integrity: 'sha512-TS', files: [{ sha256: 'f'.repeat(64), mode: 'ts', result: { ts: true } }], registryVersion: undefined }));
    const got = store.getFiles(
      [
        { sha256: 'f'.repeat(64), mode: 'js' },
        { sha256: 'f'.repeat(64), mode: 'js' },
        { sha256: 'f'.repeat(64), mode: 'ts' },
        { sha256: 'e'.repeat(64), mode: 'js' },
        { sha256: '0'.repeat(64), mode: 'js' },
      ],
      'an-1',
    );
    expect([...got.keys()].sort()).toEqual([`${'e'.repeat(64)}:js`, `${'f'.repeat(64)}:js`, `${'f'.repeat(64)}:ts`]);
    expect(got.get(`${'f'.repeat(64)}:js`)).toEqual(entry().files[0]!.result);
    expect(got.get(`${'f'.repeat(64)}:ts`)).toEqual({ ts: true });
    expect(store.getFiles([{ sha256: 'f'.repeat(64), mode: 'js' }], 'an-2').size).toBe(0);
    expect(store.getPackage('sha512-AAAA', 'an-2')).toBeUndefined();
  });

  it('getVersionIntegrity maps registry + name + version to the tarball integrity', () => {
    const store = mustOpen(freshDir());
    store.putPackage(entry());
    expect(store.getVersionIntegrity('http://r.example/', 'pkg', '1.0.0')).toBe('sha512-AAAA');
    expect(store.getVersionIntegrity('http://other.example/', 'pkg', '1.0.0')).toBeUndefined();
    expect(store.getVersionIntegrity('http://r.example/', 'pkg', '1.0.1')).toBeUndefined();
  });

  it('packuments round-trip with their validators; touch refreshes the time only', () => {
    const store = mustOpen(freshDir());
    expect(store.getPackument('http://r.example/', 'pkg')).toBeUndefined();
    const p = { etag: '"abc"', lastModified: 'Wed, 01 Jan 2020 00:00:00 GMT', body: '{"name":"pkg"}', fetchedAt: 1000 };
    store.putPackument('http://r.example/', 'pkg', p);
    expect(store.getPackument('http://r.example/', 'pkg')).toEqual(p);
    store.putPackument('http://r.example/', 'pkg', { etag: null, lastModified: null, body: '{"name":"pkg","v":2}', fetchedAt: 2000 });
    expect(store.getPackument('http://r.example/', 'pkg')).toEqual({ etag: null, lastModified: null, body: '{"name":"pkg","v":2}', fetchedAt: 2000 });
    vi.spyOn(Date, 'now').mockReturnValue(5000);
    store.touchPackument('http://r.example/', 'pkg');
    expect(store.getPackument('http://r.example/', 'pkg')).toEqual({ etag: null, lastModified: null, body: '{"name":"pkg","v":2}', fetchedAt: 5000 });
    expect(store.getPackument('http://other.example/', 'pkg')).toBeUndefined();
  });
});

describe('prune, clear, info, integrity check', () => {
  const DAY = 86_400_000;

  it('prune drops old rows and every row of another analyzer, and orphaned versions; keeps current fresh ones', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    const now = Date.now();
    const at = (t: number, fn: () => void) => {
      const spy = vi.spyOn(Date, 'now').mockReturnValue(t);
      fn();
      spy.mockRestore();
    };
    const file = (c: string) => ({ sha256: c.repeat(64), mode: 'js', result: { c } });
    const reg = (name: string) => ({ registry: 'http://r.example/', name, version: '1.0.0' });
    at(now - 40 * DAY, () => {
      store.putPackage(entry({ integrity: 'I-old', name: 'old', files: [file('1')], registryVersion: reg('old') }));
      store.putPackage(entry({ integrity: 'I-read', name: 'read', files: [file('2')], registryVersion: reg('read') }));
      store.putPackument('http://r.example/', 'old', { etag: null, lastModified: null, body: '{}', fetchedAt: now - 40 * DAY });
    });
    at(now - DAY, () => {
      store.putPackage(entry({ integrity: 'I-fresh', name: 'fresh', files: [file('3')], registryVersion: reg('fresh') }));
      store.putPackage(entry({ integrity: 'I-other', analyzer: 'an-OLD', name: 'other', files: [file('4')], registryVersion: reg('other') }));
      store.putPackument('http://r.example/', 'fresh', { etag: null, lastModified: null, body: '{}', fetchedAt: now - DAY });
    });
    // Reading an old result makes it recently used: it survives.
    expect(store.getPackage('I-read', 'an-1')).toBeDefined();
    // A file shared with a recent package was re-used recently: it survives too.
    at(now - DAY, () => store.putPackage(entry({ integrity: 'I-fresh2', name: 'fresh2', files: [file('2')], registryVersion: undefined })));

    const removed = store.prune(now - 30 * DAY, 'an-1');
    expect(removed).toEqual({ packages: 2, files: 2, packuments: 1, legacyTarballBytes: 0 });
    const db = rawDb(dir);
    expect((db.prepare('SELECT integrity FROM packages ORDER BY integrity').all() as { integrity: string }[]).map((r) => r.integrity)).toEqual([
      'I-fresh',
      'I-fresh2',
      'I-read',
    ]);
    expect((db.prepare('SELECT sha256 FROM files ORDER BY sha256').all() as { sha256: string }[]).map((r) => r.sha256[0])).toEqual(['2', '3']);
    expect((db.prepare('SELECT name FROM versions ORDER BY name').all() as { name: string }[]).map((r) => r.name)).toEqual(['fresh', 'read']);
    expect((db.prepare('SELECT name FROM packuments').all() as { name: string }[]).map((r) => r.name)).toEqual(['fresh']);
    expect(store.integrityCheck()).toBe('ok');

    // A second prune with nothing to do removes nothing.
    expect(store.prune(now - 30 * DAY, 'an-1')).toEqual({ packages: 0, files: 0, packuments: 0, legacyTarballBytes: 0 });
  });

  it('prune removes the pacote tarball cache earlier versions left, and says how much it freed', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    store.putPackage(entry());
    mkdirSync(join(dir, 'pacote', '_cacache', 'content-v2', 'sha512', 'ab'), { recursive: true });
    writeFileSync(join(dir, 'pacote', '_cacache', 'content-v2', 'sha512', 'ab', 'cd'), Buffer.alloc(3000));
    writeFileSync(join(dir, 'pacote', '_cacache', 'index'), 'x'.repeat(100));
    expect(store.info().breakdown.legacyTarballCache).toBe(3100);
    expect(store.prune(0, 'an-1')).toEqual({ packages: 0, files: 0, packuments: 0, legacyTarballBytes: 3100 });
    expect(existsSync(join(dir, 'pacote'))).toBe(false);
    // The results themselves are untouched.
    expect(store.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
  });

  it('a result that depended on the parse limit is served only under the same or a smaller limit', () => {
    const store = mustOpen(freshDir());
    store.putPackage(entry({ integrity: 'I-partial', maxFileBytes: 1000 }));
    store.putPackage(entry({ integrity: 'I-ok' }));
    expect(store.getPackage('I-partial', 'an-1', { maxFileBytes: 1000 })).toEqual(entry().report);
    expect(store.getPackage('I-partial', 'an-1', { maxFileBytes: 10 })).toEqual(entry().report);
    expect(store.getPackage('I-partial', 'an-1', { maxFileBytes: 1001 })).toBeUndefined();
    // A result no limit touched is served under any limit.
    expect(store.getPackage('I-ok', 'an-1', { maxFileBytes: 1 })).toEqual(entry().report);
    expect(store.getPackage('I-ok', 'an-1', { maxFileBytes: 2 ** 40 })).toEqual(entry().report);
    // Computed again under the larger limit without hitting it: served under every limit from now on.
    store.putPackage(entry({ integrity: 'I-partial', report: { again: true } }));
    expect(store.getPackage('I-partial', 'an-1', { maxFileBytes: 2 ** 40 })).toEqual({ again: true });
  });

  it('clear empties every table and deletes the pacote directory; the store stays usable', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    store.putPackage(entry());
    store.putPackument('http://r.example/', 'pkg', { etag: '"x"', lastModified: null, body: '{}', fetchedAt: Date.now() });
    mkdirSync(join(dir, 'pacote', '_cacache'), { recursive: true });
    writeFileSync(join(dir, 'pacote', '_cacache', 'blob'), 'x');

    expect(store.info()).toMatchObject({ path: join(dir, DB_FILE), packages: 1, files: 2, packuments: 1, versions: 1 });
    expect(store.clear()).toEqual({ packages: 1, files: 2, packuments: 1 });
    expect(store.info()).toMatchObject({ packages: 0, files: 0, packuments: 0, versions: 0, analyzers: [] });
    expect(existsSync(join(dir, 'pacote'))).toBe(false);
    expect(existsSync(join(dir, DB_FILE))).toBe(true);
    expect(store.integrityCheck()).toBe('ok');
    store.putPackage(entry());
    expect(store.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
  });

  it('info counts rows per analyzer and measures everything under the directory', () => {
    const dir = freshDir();
    const store = mustOpen(dir);
    store.putPackage(entry());
    mkdirSync(join(dir, 'pacote', '_cacache'), { recursive: true });
    writeFileSync(join(dir, 'pacote', '_cacache', 'blob'), Buffer.alloc(5000));
    writeFileSync(join(dir, `${DB_FILE}.corrupt-1`), Buffer.alloc(700));
    store.putPackage(entry({ integrity: 'I2', analyzer: 'an-2', files: [entry().files[0]!] }));
    const info = store.info();
    expect(info.analyzers).toEqual([
      { analyzer: 'an-1', packages: 1, files: 2 },
      { analyzer: 'an-2', packages: 1, files: 1 },
    ]);
    const onDisk = (name: string) => (existsSync(join(dir, name)) ? statSync(join(dir, name)).size : 0);
    // The database with its WAL and shared-memory files, as they are right now.
    expect(info.breakdown.database).toBe(onDisk(DB_FILE) + onDisk(`${DB_FILE}-wal`) + onDisk(`${DB_FILE}-shm`));
    expect(onDisk(`${DB_FILE}-wal`)).toBeGreaterThan(0);
    expect(info.breakdown).toMatchObject({ legacyTarballCache: 5000, other: 700 });
    expect(info.bytes).toBe(info.breakdown.database + 5700);
  });
});

describe('an unusable cache: a warning, no store, never a crash (RELIABILITY item 28)', () => {
  it('a cache path whose parent is a regular file (works as root too)', () => {
    const parent = join(tmp.root, `a-file-${++seq}`);
    writeFileSync(parent, 'not a directory');
    const dir = join(parent, 'depcaps');
    const o = openCache(dir);
    expect(o.store).toBeNull();
    expect(o.warning).toMatch(/^cache disabled: cannot create /);
    expect(o.warning).toContain(dir);
    expect(o.warning).toMatch(/\(ENOTDIR\); running uncached$/);
    expect(readFileSync(parent, 'utf8')).toBe('not a directory');
  });

  it('cache.db that is a directory (SQLITE_CANTOPEN): disabled, and not moved aside as corrupt', () => {
    const dir = freshDir();
    mkdirSync(join(dir, DB_FILE), { recursive: true });
    const o = openCache(dir);
    expect(o.store).toBeNull();
    expect(o.warning).toMatch(/SQLITE_CANTOPEN/);
    expect(o.warning).toContain(join(dir, DB_FILE));
    expect(readdirSync(dir)).toEqual([DB_FILE]);
  });

  // CI runs as root, and root ignores directory permissions: chmod 0500 would not make the directory
  // read-only for it, so this case can only be proven by a normal user. The parent-is-a-file case
  // above is the one that also holds under root.
  it.skipIf(process.getuid?.() === 0)('a read-only (chmod 0500) cache directory', () => {
    const dir = freshDir();
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    try {
      const o = openCache(dir);
      expect(o.store).toBeNull();
      expect(o.warning).toMatch(/^cache disabled: cannot use /);
      expect(o.warning).toContain(join(dir, DB_FILE));
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o700);
    }
  });

  it('random bytes as cache.db: moved aside (bytes intact), and a fresh database works despite a stale -wal', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const garbage = randomBytes(8192);
    garbage.write('not sqlite', 0); // never, by chance, the SQLite header
    const wal = randomBytes(1000);
    writeFileSync(join(dir, DB_FILE), garbage);
    writeFileSync(join(dir, `${DB_FILE}-wal`), wal);

    const o = openCache(dir);
    expect(o.store).not.toBeNull();
    opened.push(o.store!);
    expect(o.warning).toMatch(/corrupt \(SQLITE_NOTADB\); moved aside to /);
    const aside = readdirSync(dir).filter((n) => /^cache\.db\.corrupt-\d+$/.test(n));
    expect(aside).toHaveLength(1);
    expect(o.warning).toContain(join(dir, aside[0]!));
    expect(readFileSync(join(dir, aside[0]!)).equals(garbage)).toBe(true);
    // The stale -wal is not preserved: SQLite deletes it when the connection that hit SQLITE_NOTADB
    // closes, before openCache can rename it. What matters is that it cannot poison the fresh database.
    expect(existsSync(join(dir, `${DB_FILE}-wal`)) && readFileSync(join(dir, `${DB_FILE}-wal`)).equals(wal)).toBe(false);

    o.store!.putPackage(entry());
    expect(o.store!.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
    expect(o.store!.integrityCheck()).toBe('ok');
    expect(rawDb(dir).pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });
});

describe('disk full (RELIABILITY item 29)', () => {
  /**
   * max_page_count is a per-connection setting, so lowering it from a second connection proves
   * nothing. The store is built here around a connection the test owns: the database is created and
   * migrated by openCache, closed, reopened with `new Database(file)`, given the settings openDatabase
   * uses, capped with `PRAGMA max_page_count` at its current size, and wrapped in `new CacheStore(db, dir)`.
   */
  function cappedStore(): { dir: string; db: Database.Database; store: CacheStore } {
    const dir = freshDir();
    mustOpen(dir);
    for (const s of opened.splice(0)) s.close();
    const db = rawDb(dir, { timeout: 15_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    expect(db.pragma('max_page_count', { simple: true })).toBe(pages);
    return { dir, db, store: new CacheStore(db, dir) };
  }

  it('putPackage throws SQLITE_FULL and rolls back: the rows written before the failure are gone', () => {
    const { db, store } = cappedStore();
    // Small file and version rows fit in their tables' root pages; the 64 KB report needs overflow pages.
    const big = entry({ report: { blob: 'x'.repeat(64 * 1024) } });
    let error: unknown;
    try {
      store.putPackage(big);
    } catch (err) {
      error = err;
    }
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    expect(db.inTransaction).toBe(false);
    expect(dump(db)).toEqual({ packages: [], files: [], versions: [], packuments: [] });
    expect(store.integrityCheck()).toBe('ok');
    // Not wedged: a result that fits is stored.
    store.putPackage(entry({ files: [] }));
    expect(store.getPackage('sha512-AAAA', 'an-1')).toEqual(entry().report);
  });

  it('through scanPackage: the report is still returned, one warning names SQLITE_FULL, nothing is cached', async () => {
    const { db, store } = cappedStore();
    const files: Record<string, string> = { 'package.json': JSON.stringify({ name: 'full-pkg', version: '1.0.0' }) };
    for (let i = 0; i < 40; i++) files[`lib/f${i}.js`] = `const fs = require('fs');\nfs.readFileSync('/etc/file-number-${i}-${'y'.repeat(60)}');\n`;
    const tgz = join(tmp.root, `full-${++seq}.tgz`);
    writeFileSync(tgz, makePackageTarball(files));
    const pool = new AnalysisPool(resolveLimits(), 2);
    try {
      const warnings: string[] = [];
      const report = await scanPackage(tgz, { env: tmp.env, cwd: tmp.project, cacheDir: tmp.cacheDir, pool, store, analyzerVersion: 'full-test', onWarning: (m) => warnings.push(m) });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^could not write to the cache \(SQLITE_FULL\)/);
      expect(report.status).toBe('ok');
      expect(report.stats).toMatchObject({ cached: false, parsedFiles: 40 });
      expect(report.findings.filter((f) => f.api === 'fs.readFileSync').map((f) => f.file).sort()).toEqual(
        Object.keys(files).filter((p) => p.endsWith('.js')).sort(),
      );
      const clean = await scanPackage(tgz, { env: tmp.env, cwd: tmp.project, pool, noCache: true });
      expect(report.findings).toEqual(clean.findings);
      expect(db.inTransaction).toBe(false);
      expect(dump(db)).toEqual({ packages: [], files: [], versions: [], packuments: [] });
    } finally {
      await pool.close();
    }
  });
});
