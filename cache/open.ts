import { mkdirSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';
import { CacheStore } from './store.js';

/** The database file inside the cache directory. */
export const DB_FILE = 'cache.db';

/** SQLite waits this long for a lock held by another depcaps process before giving up. */
const BUSY_TIMEOUT_MS = 15_000;

/** An open cache, or why there is none (the command then runs uncached). */
export type OpenedCache = { store: CacheStore; warning?: string } | { store: null; warning: string };

function sqliteCode(err: unknown): string {
  return (err as { code?: string }).code ?? '';
}

/** SQLite errors that mean "this file is not a usable database": it is moved aside, never deleted. */
function isCorrupt(err: unknown): boolean {
  return ['SQLITE_NOTADB', 'SQLITE_CORRUPT'].includes(sqliteCode(err));
}

/**
 * Brings the schema to the latest version inside one IMMEDIATE transaction that re-reads user_version
 * (two processes racing on a fresh cache must not both migrate).
 * @throws Error when the database was written by a newer depcaps (its schema is never touched).
 */
function migrate(db: Database.Database): void {
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() > MIGRATIONS.length) {
    throw Object.assign(new Error(`the cache was written by a newer depcaps (schema ${current()}, this one knows ${MIGRATIONS.length})`), { code: 'DEPCAPS_NEWER_SCHEMA' });
  }
  if (current() === MIGRATIONS.length) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (let v = current(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switches a new database to WAL. That needs an exclusive lock, and when several processes open the
 * same new file at once SQLite returns SQLITE_BUSY at once instead of calling the busy handler
 * (measured: 8 processes opening one fresh cache, 5 of them failed in one round out of 25). So the
 * switch is retried, with a growing jittered delay, for up to the busy timeout.
 */
function enableWal(db: Database.Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (sqliteCode(err) !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      sleepSync(delay / 2 + Math.random() * delay);
    }
  }
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    enableWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Opens (creating on first use) the cache in `dir`. Never throws: a cache that cannot be used
 * (read-only directory, a file where the directory should be, a newer schema) gives a warning and no
 * store; a corrupt database file is moved aside (not deleted) and a fresh one is created.
 */
export function openCache(dir: string): OpenedCache {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return { store: null, warning: `cache disabled: cannot create ${dir} (${sqliteCode(err) || (err as Error).message}); running uncached` };
  }
  const file = join(dir, DB_FILE);
  try {
    return { store: new CacheStore(openDatabase(file), dir) };
  } catch (err) {
    if (isCorrupt(err)) {
      const aside = `${file}.corrupt-${Date.now()}`;
      try {
        renameSync(file, aside);
        for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
        return { store: new CacheStore(openDatabase(file), dir), warning: `the cache database was corrupt (${sqliteCode(err)}); moved aside to ${aside}` };
      } catch (again) {
        return { store: null, warning: `cache disabled: ${file} is corrupt and could not be replaced (${sqliteCode(again) || (again as Error).message}); running uncached` };
      }
    }
    const reason = sqliteCode(err) === 'DEPCAPS_NEWER_SCHEMA' ? (err as Error).message : `${sqliteCode(err) || 'error'}: ${(err as Error).message}`;
    return { store: null, warning: `cache disabled: cannot use ${file} (${reason}); running uncached` };
  }
}

/**
 * A cache in memory, for a run whose local cache is unusable but which reads a shared store: results
 * from the store still need a local table for the scans to read.
 */
export function openMemoryCache(dir: string): CacheStore {
  const db = new Database(':memory:');
  migrate(db);
  return new CacheStore(db, dir);
}
