/**
 * The shared store against a real PostgreSQL (started by the test on 127.0.0.1): migrations under the
 * advisory lock, batched lookups and publishing, concurrent writers of the same results, read-only
 * sessions and logins, and rows that do not match their own key.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryCache } from '../../cache/open.js';
import { resolveSharedStore } from '../../cache/shared/connection.js';
import { SharedLayer } from '../../cache/shared/layer.js';
import { SHARED_MIGRATIONS, type SharedMigration } from '../../cache/shared/migrations/index.js';
import { SharedStore, SharedStoreUnavailable, type PublishEntry } from '../../cache/shared/store.js';
import type { PackageEntry } from '../../cache/store.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let pg: TestPostgres;
let dbSeq = 0;
const scratch = mkdtempSync(join(tmpdir(), 'depcaps-pgstore-'));

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function freshDb(): Promise<string> {
  return pg.createDatabase(`store_${++dbSeq}`);
}

const config = (url: string, readonly = false) => resolveSharedStore(url, { env: {}, timeoutMs: 10_000, readonly });
const REGISTRY = 'https://registry.example/';
const ANALYZER = 'analyzer-test-1';

function integrityOf(i: number): string {
  return `sha512-${Buffer.from(`package ${i}`).toString('base64')}`;
}

/** A result as scan.ts stores it: the report names its own integrity, name and version. */
function entry(i: number, analyzer = ANALYZER): PackageEntry {
  const name = `pkg-${i}`;
  const integrity = integrityOf(i);
  const findings = i % 2 === 0 ? [{ capability: 'network', api: 'https.get', file: 'index.js', line: 1, column: 0, excerpt: 'x', confidence: 'high' }] : [];
  return {
    integrity,
    analyzer,
    name,
    version: '1.0.0',
    report: {
      schemaVersion: 1,
      tool: { name: 'depcaps', version: '0.1.0', catalogVersion: 'x' },
      package: { name, version: '1.0.0', integrity, source: 'registry' },
      status: 'ok',
      capabilities: findings.map((f) => f.capability),
      findings,
      errors: [],
    },
    files: [],
    registryVersion: { registry: REGISTRY, name, version: '1.0.0' },
  };
}

function publishEntry(i: number): PublishEntry {
  const e = entry(i);
  return {
    integrity: e.integrity,
    analyzer: e.analyzer,
    name: e.name,
    version: e.version,
    toolVersion: '0.1.0',
    report: JSON.stringify(e.report),
    capabilities: i % 2 === 0 ? [{ capability: 'network', runs: '', findings: 1 }] : [],
    registryVersion: e.registryVersion!,
  };
}

describe('migrations', () => {
  it('six connections opening one empty database at once: the schema is created once, under the lock', async () => {
    const url = await freshDb();
    const stores = await Promise.all(Array.from({ length: 6 }, () => SharedStore.open(config(url), () => {})));
    for (const s of stores) await s.close();
    const rows = await pg.sql<{ version: number }>('SELECT version FROM depcaps.migrations ORDER BY version', [], url.split('/').pop());
    expect(rows.map((r) => r.version)).toEqual(SHARED_MIGRATIONS.map((m) => m.version));
    const tables = await pg.sql<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'depcaps' ORDER BY 1", [], url.split('/').pop());
    expect(tables.map((r) => r.t)).toEqual(['capabilities', 'migrations', 'packages', 'versions']);
  });

  it('brings an older schema up to date; readers never migrate; a newer incompatible schema is left alone', async () => {
    const url = await freshDb();
    const db = url.split('/').pop();
    const v1 = SHARED_MIGRATIONS.slice(0, 1);
    const v2: SharedMigration[] = [...v1, { version: 2, name: 'note', compatibleFrom: 1, sql: 'ALTER TABLE depcaps.packages ADD COLUMN note text' }];
    const v3: SharedMigration[] = [...v2, { version: 3, name: 'breaking', compatibleFrom: 3, sql: 'SELECT 1' }];
    await (await SharedStore.open(config(url), () => {}, v1)).close();
    // A reader of a newer depcaps cannot use a store a writer has not migrated yet.
    await expect(SharedStore.open(config(url, true), () => {}, v2)).rejects.toThrow(/has schema 1 and this depcaps needs 2/);
    await (await SharedStore.open(config(url), () => {}, v2)).close();
    expect((await pg.sql('SELECT note FROM depcaps.packages LIMIT 0', [], db)).length).toBe(0);
    // An older depcaps keeps using an additive newer schema, without touching it.
    await (await SharedStore.open(config(url), () => {}, v1)).close();
    await (await SharedStore.open(config(url), () => {}, v3)).close();
    const err = await SharedStore.open(config(url), () => {}, v2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedStoreUnavailable);
    expect((err as Error).message).toMatch(/migrated by a newer depcaps \(schema 3, readable from schema 3 on; this depcaps knows 2\)/);
    const versions = await pg.sql<{ version: number }>('SELECT version FROM depcaps.migrations ORDER BY 1', [], db);
    expect(versions.map((r) => r.version)).toEqual([1, 2, 3]);
  });

  it('a reader of an empty database says a writer creates the schema', async () => {
    const url = await freshDb();
    await expect(SharedStore.open(config(url, true), () => {})).rejects.toThrow(/no depcaps schema yet/);
    const present = await pg.sql<{ n: string | null }>("SELECT to_regclass('depcaps.migrations')::text AS n", [], url.split('/').pop());
    expect(present[0]!.n).toBeNull();
  });
});

describe('publishing and looking up', () => {
  it('a batch is one statement; a lookup of many keys is one statement; only the exact analyzer is read', async () => {
    const url = await freshDb();
    const store = await SharedStore.open(config(url), () => {});
    try {
      const before = store.counters.roundTrips;
      expect(await store.publish(Array.from({ length: 300 }, (_, i) => publishEntry(i)))).toBe(300);
      expect(store.counters.roundTrips - before).toBe(1);
      // Publishing again changes nothing (ON CONFLICT DO NOTHING).
      expect(await store.publish([publishEntry(0), publishEntry(1)])).toBe(0);
      const keys = Array.from({ length: 320 }, (_, i) => ({ registry: REGISTRY, name: `pkg-${i}`, version: '1.0.0' }));
      const mid = store.counters.roundTrips;
      const rows = await store.lookup(keys, ANALYZER);
      expect(store.counters.roundTrips - mid).toBe(1);
      expect(rows).toHaveLength(300);
      expect(rows.every((r) => r.mapped === r.integrity && r.wantName === r.name)).toBe(true);
      expect(await store.lookup(keys, 'another-analyzer')).toEqual([]);
      // By integrity alone (a lockfile), without a version map for this registry.
      const byIntegrity = await store.lookup([{ registry: 'https://mirror.example/', name: 'pkg-7', version: '1.0.0', integrity: integrityOf(7) }], ANALYZER);
      expect(byIntegrity).toHaveLength(1);
      expect(byIntegrity[0]!.mapped).toBeNull();
      const caps = await store.queryCapabilities({ capabilities: ['network'], analyzer: ANALYZER });
      expect(caps).toHaveLength(150);
    } finally {
      await store.close();
    }
  });

  it('concurrent writers of the same results: no error, one row each, every result whole', async () => {
    const url = await freshDb();
    const db = url.split('/').pop();
    const writers = await Promise.all(Array.from({ length: 4 }, () => SharedStore.open(config(url), () => {})));
    const all = Array.from({ length: 120 }, (_, i) => publishEntry(i));
    try {
      // Each writer sends all 120 results in batches of 20, in its own order: the batches overlap.
      const inserted = await Promise.all(
        writers.map(async (w, n) => {
          const order = n % 2 === 0 ? all : [...all].reverse();
          let count = 0;
          const batches = [];
          for (let i = 0; i < order.length; i += 20) batches.push(order.slice(i, i + 20));
          for (const b of batches) count += await w.publish(b);
          return count;
        }),
      );
      expect(inserted.reduce((a, b) => a + b, 0)).toBe(120);
    } finally {
      for (const w of writers) await w.close();
    }
    const counts = await pg.sql<{ p: number; c: number; v: number; orphans: number }>(
      `SELECT (SELECT count(*)::int FROM depcaps.packages) AS p, (SELECT count(*)::int FROM depcaps.capabilities) AS c,
              (SELECT count(*)::int FROM depcaps.versions) AS v,
              (SELECT count(*)::int FROM depcaps.packages p WHERE p.report::jsonb -> 'package' ->> 'integrity' <> p.integrity) AS orphans`,
      [],
      db,
    );
    expect(counts[0]).toEqual({ p: 120, c: 60, v: 120, orphans: 0 });
  });

  it('a read-only session cannot write, even if asked to (the server refuses)', async () => {
    const url = await freshDb();
    await (await SharedStore.open(config(url), () => {})).close();
    const reader = await SharedStore.open(config(url, true), () => {});
    try {
      expect(reader.readOnly).toBe(true);
      await expect(reader.publish([publishEntry(1)])).rejects.toMatchObject({ code: '25006' });
    } finally {
      await reader.close();
    }
  });
});

describe('SharedLayer', () => {
  it('copies the results of many keys into the local cache in batches, and publishes what is new', async () => {
    const url = await freshDb();
    const seed = await SharedStore.open(config(url), () => {});
    await seed.publish(Array.from({ length: 450 }, (_, i) => publishEntry(i)));
    await seed.close();

    const local = openMemoryCache(scratch);
    const warnings: string[] = [];
    const layer = new SharedLayer({ config: config(url), local, analyzer: ANALYZER, onWarning: (m) => warnings.push(m), lookupBatch: 200, publishBatch: 10 });
    const keys = Array.from({ length: 500 }, (_, i) => ({ registry: REGISTRY, name: `pkg-${i}`, version: '1.0.0' }));
    void layer.prepare(keys);
    // A scan's own key waits for its batch; asking again costs nothing.
    await layer.prepare([keys[3]!]);
    await layer.prepare(keys);
    expect(local.getVersionIntegrity(REGISTRY, 'pkg-3', '1.0.0')).toBe(integrityOf(3));
    expect((local.getPackage(integrityOf(449), ANALYZER) as { package: { name: string } }).package.name).toBe('pkg-449');
    expect(local.getPackage(integrityOf(450), ANALYZER)).toBeUndefined();
    // The 50 the store lacks are analysed here and published; one the store gave is never sent back.
    for (let i = 450; i < 500; i++) layer.publish(entry(i));
    layer.publish(entry(3));
    await layer.close();
    const stats = layer.stats();
    expect(warnings).toEqual([]);
    expect(stats).toMatchObject({ lookedUp: 500, hits: 450, rejected: 0, published: 50, inserted: 50, connections: 1 });
    // 2 to open (probe, version) + 3 lookups of ≤ 200 keys + 5 publishing statements of 10.
    expect(stats.roundTrips).toBe(2 + 3 + 5);
    local.close();
  });

  it('ignores a row whose report does not name its own key, with one warning', async () => {
    const url = await freshDb();
    const seed = await SharedStore.open(config(url), () => {});
    await seed.publish([publishEntry(1), publishEntry(2), publishEntry(3)]);
    await seed.close();
    // A tampered row: pkg-2's report is pkg-1's (another tarball's analysis under pkg-2's integrity).
    await pg.sql(`UPDATE depcaps.packages SET report = (SELECT report FROM depcaps.packages WHERE name = 'pkg-1') WHERE name IN ('pkg-2', 'pkg-3')`, [], url.split('/').pop());
    const local = openMemoryCache(scratch);
    const warnings: string[] = [];
    const layer = new SharedLayer({ config: config(url), local, analyzer: ANALYZER, onWarning: (m) => warnings.push(m) });
    await layer.prepare([1, 2, 3].map((i) => ({ registry: REGISTRY, name: `pkg-${i}`, version: '1.0.0' })));
    await layer.close();
    expect(local.getPackage(integrityOf(1), ANALYZER)).toBeDefined();
    expect(local.getPackage(integrityOf(2), ANALYZER)).toBeUndefined();
    expect(local.getVersionIntegrity(REGISTRY, 'pkg-2', '1.0.0')).toBeUndefined();
    expect(layer.stats()).toMatchObject({ hits: 1, rejected: 2 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ignored a result whose report does not match its key \(pkg-2@1\.0\.0\)/);
    local.close();
  });

  it('a login that may only read: one warning at the first write, and it keeps reading', async () => {
    const url = await freshDb();
    const db = url.split('/').pop()!;
    const seed = await SharedStore.open(config(url), () => {});
    await seed.publish([publishEntry(1)]);
    await seed.close();
    await pg.sql(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'laptop') THEN CREATE ROLE laptop LOGIN; END IF; END $$`);
    await pg.sql('GRANT USAGE ON SCHEMA depcaps TO laptop; GRANT SELECT ON ALL TABLES IN SCHEMA depcaps TO laptop', [], db);
    const local = openMemoryCache(scratch);
    const warnings: string[] = [];
    const layer = new SharedLayer({ config: config(`postgres://laptop@127.0.0.1:${pg.port}/${db}`), local, analyzer: ANALYZER, onWarning: (m) => warnings.push(m), publishBatch: 1 });
    await layer.prepare([{ registry: REGISTRY, name: 'pkg-1', version: '1.0.0' }]);
    layer.publish(entry(2));
    await layer.prepare([{ registry: REGISTRY, name: 'pkg-9', version: '1.0.0' }]);
    layer.publish(entry(3));
    await layer.close();
    expect(layer.stats()).toMatchObject({ hits: 1, published: 0, readonly: true });
    expect(layer.stats().failed).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/this login cannot write \(permission denied/);
    local.close();
  });
});

describe('the roles the README documents', () => {
  it('CI creates the schema and writes; the reader login reads, and cannot write', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /\*\*Who writes\*\*[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const statements = block!
      .split('\n')
      .map((l) => l.replace(/--.*$/, '').trim())
      .join(' ')
      .split(';')
      .map((s) => s.trim().replace(/'…'/g, "'pw'"))
      .filter(Boolean);
    const [before, after] = [statements.filter((s) => !/SCHEMA depcaps/.test(s)), statements.filter((s) => /SCHEMA depcaps/.test(s))];
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(after.length).toBeGreaterThanOrEqual(2);
    await pg.createDatabase('depcaps');
    for (const s of before) await pg.sql(s, [], 'depcaps');
    const base = `127.0.0.1:${pg.port}/depcaps`;
    const ci = await SharedStore.open(config(`postgres://depcaps_ci:pw@${base}`), () => {});
    expect(await ci.publish([publishEntry(1), publishEntry(2)])).toBe(2);
    await ci.close();
    for (const s of after) await pg.sql(s, [], 'depcaps');
    const reader = await SharedStore.open(config(`postgres://depcaps_reader:pw@${base}`, true), () => {});
    try {
      expect(await reader.lookup([{ registry: REGISTRY, name: 'pkg-2', version: '1.0.0' }], ANALYZER)).toHaveLength(1);
      expect(await reader.queryCapabilities({ capabilities: ['network'], analyzer: ANALYZER })).toHaveLength(1);
    } finally {
      await reader.close();
    }
    const writer = await SharedStore.open(config(`postgres://depcaps_reader:pw@${base}`), () => {});
    try {
      await expect(writer.publish([publishEntry(3)])).rejects.toMatchObject({ code: '42501' });
    } finally {
      await writer.close();
    }
  });
});

describe('TLS parameters pass through', () => {
  let tls: TestPostgres;
  let certFile: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(scratch, 'tls-'));
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=depcaps-test', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    tls = await startPostgres({ tls: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } });
  }, 120_000);

  afterAll(async () => {
    await tls?.stop();
  });

  /** Whether the store's own connection (application_name depcaps) is encrypted, seen by the server. */
  async function encrypted(url: string, env: NodeJS.ProcessEnv = {}): Promise<boolean> {
    const store = await SharedStore.open(resolveSharedStore(url, { env, timeoutMs: 10_000 }), () => {});
    try {
      const rows = await tls.sql<{ ssl: boolean }>("SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'depcaps'");
      expect(rows).toHaveLength(1);
      return rows[0]!.ssl;
    } finally {
      await store.close();
    }
  }

  it('sslmode=require encrypts; verify-full checks the server against sslrootcert; disable does not encrypt', async () => {
    const url = await tls.createDatabase('tls');
    expect(await encrypted(`${url}?sslmode=require`)).toBe(true);
    expect(await encrypted(`${url}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certFile)}`)).toBe(true);
    expect(await encrypted(url, { PGSSLMODE: 'require' })).toBe(true);
    expect(await encrypted(`${url}?sslmode=disable`, { PGSSLMODE: 'require' })).toBe(false);
  });

  it('verify-full against an unknown certificate: one warning, nothing sent in clear', async () => {
    const url = await tls.createDatabase('tls_untrusted');
    const local = openMemoryCache(scratch);
    const warnings: string[] = [];
    const layer = new SharedLayer({ config: config(`${url}?sslmode=verify-full`), local, analyzer: ANALYZER, onWarning: (m) => warnings.push(m) });
    await layer.prepare([{ registry: REGISTRY, name: 'pkg-1', version: '1.0.0' }]);
    layer.publish(entry(1));
    await layer.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not used: .*(self[- ]signed|certificate)/i);
    expect(layer.stats()).toMatchObject({ hits: 0, published: 0 });
  });
});
