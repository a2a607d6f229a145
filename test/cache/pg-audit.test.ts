/**
 * Audits through the shared store, end to end: a real PostgreSQL and a real npm registry, both started by
 * the test on 127.0.0.1, and the real CLI in separate processes ("machines") with empty local caches.
 * Covers issue 14's cases: two machines sharing results, a store written by an older analyzer, the
 * server killed mid-run, a wrong password, a slow store, a store that is down, and read-only use.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLockfile } from '../../src/commands/audit.js';
import type { AuditReport, CacheQueryReport, ScanReport } from '../../src/contract/index.js';
import { startRegistry, type LocalRegistry, type RegistryPackage } from '../helpers/local-registry.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { parseJson, runCli, type CliResult } from '../helpers/run-cli.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';

const PACKAGES = 24;
const PASSWORD = 'p@ss w0rd/#';
const name = (i: number) => `shared-${String(i).padStart(2, '0')}`;

function source(i: number): { code: string; caps: string[] } {
  if (i % 4 === 0) return { code: `module.exports = (u) => require('https').get(u);\n`, caps: ['network'] };
  if (i % 4 === 1) return { code: `const { exec } = require('child_process');\nmodule.exports = () => exec('ls');\n`, caps: ['shell'] };
  if (i % 4 === 2) return { code: `module.exports = () => process.env.HOME;\n`, caps: ['env'] };
  return { code: `module.exports = (a) => a + ${i};\n`, caps: [] };
}

let tmp: TmpEnv;
let registry: LocalRegistry;
let server: TestPostgres;
let lockfile: string;
let halfLockfile: string;
let seq = 0;
const expected = new Map<string, string[]>();

function writeLockfile(path: string, count: number): void {
  const entries: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: Object.fromEntries([...Array(count).keys()].map((i) => [name(i), '^1.0.0'])) } };
  for (let i = 0; i < count; i++) entries[`node_modules/${name(i)}`] = { version: '1.0.0', resolved: registry.tarballUrl(name(i), '1.0.0'), integrity: registry.integrity(name(i), '1.0.0') };
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries }, null, 2));
}

beforeAll(async () => {
  // Retries as in real use: on a heavily loaded machine the local registry's connections were reset
  // now and then (ECONNRESET with retries off), which is not what these tests are about.
  tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '2' });
  const packages: Record<string, RegistryPackage> = {};
  for (let i = 0; i < PACKAGES; i++) {
    packages[name(i)] = { versions: { '1.0.0': { files: { 'index.js': source(i).code } } } };
    expected.set(name(i), source(i).caps);
  }
  registry = await startRegistry({ packages });
  lockfile = join(tmp.project, 'package-lock.json');
  halfLockfile = join(tmp.project, 'half', 'package-lock.json');
  writeLockfile(lockfile, PACKAGES);
  writeLockfile(halfLockfile, PACKAGES / 2);
  server = await startPostgres({ password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await registry?.close();
  tmp?.cleanup();
});

/** A new "machine": an empty local cache directory. */
function machine(): string {
  return join(tmp.root, `machine-${++seq}`);
}

async function freshStore(): Promise<string> {
  return server.createDatabase(`audit_${++seq}`);
}

function audit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(['audit', lockfile, '--json', '--registry', registry.url, ...args], { env: { ...tmp.env, ...env }, cwd: tmp.project, timeoutMs: 120_000 });
}

function tarballRequests(since: number): number {
  return registry.log.slice(since).filter((r) => r.route.includes('/-/')).length;
}

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('depcaps: warning:'));
}

function expectComplete(report: AuditReport): void {
  expect(report.summary, JSON.stringify(report.packages.filter((p) => p.status !== 'ok'))).toMatchObject({ packages: PACKAGES, analyzed: PACKAGES, errors: 0, partial: 0 });
  for (const p of report.packages) expect(p.capabilities, p.name).toEqual(expected.get(p.name));
}

const strip = (r: AuditReport) => r.packages.map(({ cached: _c, tarballBytes: _t, parsedBytes: _p, ...rest }) => rest);

async function storeCounts(url: string): Promise<{ packages: number; analyzers: number; versions: number }> {
  const rows = await server.sql<{ packages: number; analyzers: number; versions: number }>(
    'SELECT (SELECT count(*)::int FROM depcaps.packages) AS packages, (SELECT count(DISTINCT analyzer)::int FROM depcaps.packages) AS analyzers, (SELECT count(*)::int FROM depcaps.versions) AS versions',
    [],
    new URL(url).pathname.slice(1),
  );
  return rows[0]!;
}

describe('two machines, two empty local caches, one store', () => {
  let url: string;
  let first: AuditReport;
  let machineB: string;

  it('machine A analyses everything and shares it', async () => {
    url = await freshStore();
    const since = registry.log.length;
    const a = await audit(['--cache-dir', machine(), '--cache-url', url]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe('');
    first = parseJson<AuditReport>(a);
    expectComplete(first);
    expect(tarballRequests(since)).toBe(PACKAGES);
    expect(first.summary.sharedCache).toMatchObject({ store: `postgres://127.0.0.1:${server.port}/${new URL(url).pathname.slice(1)}`, hits: 0, published: PACKAGES, inserted: PACKAGES, readonly: false });
    expect(await storeCounts(url)).toEqual({ packages: PACKAGES, analyzers: 1, versions: PACKAGES });
    // The password is in the URL the CLI was given: it is printed nowhere.
    expect(a.stdout + a.stderr).not.toContain('w0rd');
  });

  it('machine B gets every package from the store: no request to the registry at all, the same report', async () => {
    const since = registry.log.length;
    machineB = machine();
    const b = await audit(['--cache-dir', machineB], { DEPCAPS_CACHE_URL: url });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toBe('');
    const second = parseJson<AuditReport>(b);
    expect(registry.log.length - since).toBe(0);
    expect(second.summary.cached).toBe(PACKAGES);
    expect(second.summary.sharedCache).toMatchObject({ hits: PACKAGES, published: 0, inserted: 0 });
    // One connection; the schema probe, then all 24 packages in one lookup statement.
    expect(second.summary.sharedCache!.roundTrips).toBe(3);
    expect(strip(second)).toEqual(strip(first));
  });

  it('a warm run on B answers from its local cache and does not talk to the store', async () => {
    const warm = await audit(['--cache-dir', machineB], { DEPCAPS_CACHE_URL: url });
    expect(warm.code, warm.stderr).toBe(0);
    expect(parseJson<AuditReport>(warm).summary.sharedCache).toMatchObject({ hits: 0, published: 0, roundTrips: 0 });
  });

  it('a single exact-version scan on a third machine comes from the store too', async () => {
    const since = registry.log.length;
    const c = await runCli(['scan', `${name(4)}@1.0.0`, '--json', '--registry', registry.url, '--cache-dir', machine(), '--cache-url', url], { env: tmp.env, cwd: tmp.project });
    expect(c.code, c.stderr).toBe(0);
    const report = parseJson<ScanReport>(c);
    expect(report.stats.cached).toBe(true);
    expect(report.capabilities).toEqual(['network']);
    expect(registry.log.length - since).toBe(0);
  });

  it('cache query lists the package versions in the store with a capability', async () => {
    const q = await runCli(['cache', 'query', '--capability', 'network,shell', '--json'], { env: { ...tmp.env, DEPCAPS_CACHE_URL: url }, cwd: tmp.project });
    expect(q.code, q.stderr).toBe(0);
    const report = parseJson<CacheQueryReport>(q);
    const want = [...expected].filter(([, caps]) => caps.includes('network') || caps.includes('shell')).map(([n]) => n).sort();
    expect(report.packages.map((p) => p.name)).toEqual(want);
    const counts = first.packages.find((p) => p.name === name(0))!.counts;
    expect(report.packages[0]).toMatchObject({ name: name(0), version: '1.0.0', capabilities: { network: { findings: counts['network'] } } });
    expect(report.summary).toEqual({ packages: want.length, names: want.length, unknownRuns: 0 });
    const text = await runCli(['cache', 'query', '--capability', 'network', '--cache-url', url], { env: tmp.env, cwd: tmp.project });
    expect(text.stdout).toContain(`${name(0)}@1.0.0  network ${counts['network']} (call ${counts['network']})\n`);
    expect(text.stdout).toMatch(/6 package versions \(6 names\) in postgres:\/\/127\.0\.0\.1:\d+\/audit_\d+ with network\n$/);
    expect(text.stdout + text.stderr).not.toContain('w0rd');
  });
});

describe('concurrent writers', () => {
  it('three machines auditing at once into an empty store: no warning, every result stored once, whole', async () => {
    const url = await freshStore();
    const runs = await Promise.all([0, 1, 2].map(() => audit(['--cache-dir', machine(), '--cache-url', url])));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expectComplete(parseJson<AuditReport>(r));
    }
    const inserted = runs.map((r) => parseJson<AuditReport>(r).summary.sharedCache!.inserted);
    expect(inserted.reduce((a, b) => a + b, 0)).toBe(PACKAGES);
    expect(await storeCounts(url)).toEqual({ packages: PACKAGES, analyzers: 1, versions: PACKAGES });
  });
});

describe('a machine whose local cache is unusable', () => {
  it('still reads the store (through a cache in memory), after the local cache warning', async () => {
    const url = await freshStore();
    await auditLockfile(halfLockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url });
    const notADir = join(tmp.root, `file-${++seq}`);
    writeFileSync(notADir, 'not a directory');
    const seen: string[] = [];
    const since = registry.log.length;
    const report = await auditLockfile(halfLockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: notADir, cacheUrl: url, onWarning: (m) => seen.push(m) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^cache disabled: cannot create/);
    expect(report.summary).toMatchObject({ packages: PACKAGES / 2, cached: PACKAGES / 2, errors: 0 });
    expect(report.summary.sharedCache).toMatchObject({ hits: PACKAGES / 2 });
    expect(registry.log.length - since).toBe(0);
  });
});

describe('a store written by an older analyzer version', () => {
  it('is not used for this analyzer: everything is analysed again and stored beside the old results', async () => {
    const url = await freshStore();
    const old = await auditLockfile(lockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url, analyzerVersion: 'older-analyzer' });
    expect(old.summary.sharedCache).toMatchObject({ inserted: PACKAGES });
    const since = registry.log.length;
    const current = await auditLockfile(lockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url });
    expectComplete(current);
    expect(current.summary.cached).toBe(0);
    expect(current.summary.sharedCache).toMatchObject({ hits: 0, inserted: PACKAGES });
    expect(tarballRequests(since)).toBe(PACKAGES);
    expect(await storeCounts(url)).toEqual({ packages: 2 * PACKAGES, analyzers: 2, versions: PACKAGES });
  });
});

describe('when the store fails, the run goes on with the local cache after ONE warning', () => {
  it('the server killed mid-run: one warning, a complete audit from local analysis', async () => {
    const doomed = await startPostgres();
    try {
      const url = await doomed.createDatabase('doomed');
      // The store knows half the packages; the other half is analysed here, slowly enough to kill mid-run.
      const seeded = await auditLockfile(halfLockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url });
      expect(seeded.summary.sharedCache, JSON.stringify({ ...seeded.summary, bad: seeded.packages.filter((p) => p.status !== 'ok') })).toMatchObject({ inserted: PACKAGES / 2 });
      for (let i = PACKAGES / 2; i < PACKAGES; i++) registry.setFaults(`/${name(i)}/-/${name(i)}-1.0.0.tgz`, { kind: 'delay', ms: 150, times: 1 });
      const seen: string[] = [];
      let killedAt = -1;
      const report = await auditLockfile(lockfile, {
        env: tmp.env,
        cwd: tmp.project,
        registry: registry.url,
        cacheDir: machine(),
        cacheUrl: url,
        concurrency: 2,
        onWarning: (m) => seen.push(m),
        onProgress: (p) => {
          if (killedAt < 0 && p.done >= PACKAGES / 2 + 2) {
            killedAt = p.done;
            doomed.kill();
          }
        },
      });
      expect(killedAt).toBeGreaterThan(0);
      expect(killedAt).toBeLessThan(PACKAGES);
      expectComplete(report);
      expect(report.summary.sharedCache!.hits).toBe(PACKAGES / 2);
      expect(report.summary.sharedCache!.failed).toMatch(/connection|terminat|refused/i);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/^shared cache postgres:\/\/127\.0\.0\.1:\d+\/doomed not used: .*; continuing with the local cache$/);
    } finally {
      await doomed.stop();
    }
  });

  it('a wrong password: one warning that never shows it, exit 0, a complete audit', async () => {
    const url = await freshStore();
    const wrong = url.replace(encodeURIComponent(PASSWORD), encodeURIComponent('Wr0ng-Pa55'));
    const r = await audit(['--cache-dir', machine(), '--cache-url', wrong]);
    expect(r.code, r.stderr).toBe(0);
    expectComplete(parseJson<AuditReport>(r));
    expect(warnings(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/shared cache postgres:\/\/127\.0\.0\.1:\d+\/audit_\d+ not used: the server refused the login \(password authentication failed for user "depcaps"\)/);
    expect(r.stderr + r.stdout).not.toMatch(/Wr0ng|Pa55|w0rd/);
    // The right password from PGPASSWORD (the URL without one) is used.
    const bare = `postgres://depcaps@127.0.0.1:${server.port}${new URL(url).pathname}`;
    const ok = await audit(['--cache-dir', machine(), '--cache-url', bare], { PGPASSWORD: PASSWORD });
    expect(ok.code, ok.stderr).toBe(0);
    expect(warnings(ok.stderr)).toEqual([]);
    expect(parseJson<AuditReport>(ok).summary.sharedCache).toMatchObject({ inserted: PACKAGES });
  });

  it('a store that is down: one warning, exit 0, a complete audit', async () => {
    const r = await audit(['--cache-dir', machine()], { DEPCAPS_CACHE_URL: 'postgres://depcaps:secret-pw@127.0.0.1:1/nothing' });
    expect(r.code, r.stderr).toBe(0);
    expectComplete(parseJson<AuditReport>(r));
    expect(warnings(r.stderr)).toEqual(['depcaps: warning: shared cache postgres://127.0.0.1:1/nothing not used: connection refused; continuing with the local cache']);
  });

  it('a slow store (a statement that waits past the timeout): one warning, a complete audit', async () => {
    const url = await freshStore();
    const seeded = await auditLockfile(halfLockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url });
    expect(seeded.summary.sharedCache).toMatchObject({ inserted: PACKAGES / 2 });
    // Another session holds the table: lookups wait until the client-side timeout gives up.
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => {});
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE depcaps.packages IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const r = await audit(['--cache-dir', machine(), '--cache-url', url], { DEPCAPS_CACHE_URL_TIMEOUT_MS: '1500' });
      expect(r.code, r.stderr).toBe(0);
      const report = parseJson<AuditReport>(r);
      expectComplete(report);
      expect(report.summary.sharedCache).toMatchObject({ hits: 0, published: 0 });
      expect(warnings(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/not used: no answer within 1500 ms/);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }
  });
});

describe('gate', () => {
  it('the store never decides a verdict: none, down or working give the same one; through the store, no request', async () => {
    const url = await freshStore();
    const gate = (dir: string, env: NodeJS.ProcessEnv = {}) =>
      runCli(['gate', '--base', halfLockfile, '--head', lockfile, '--json', '--registry', registry.url, '--cache-dir', dir], { env: { ...tmp.env, ...env }, cwd: tmp.project, timeoutMs: 120_000 });
    const none = await gate(machine());
    const down = await gate(machine(), { DEPCAPS_CACHE_URL: 'postgres://127.0.0.1:1/nothing' });
    const seeding = await gate(machine(), { DEPCAPS_CACHE_URL: url });
    const since = registry.log.length;
    const shared = await gate(machine(), { DEPCAPS_CACHE_URL: url });
    expect(registry.log.length - since).toBe(0);
    expect(none.code).toBe(1); // every package the head adds brings capabilities, and there is no policy
    const verdict = (r: CliResult) => {
      const report = parseJson<{ verdict: string; violations: unknown[] }>(r);
      return { code: r.code, verdict: report.verdict, violations: report.violations };
    };
    for (const r of [down, seeding, shared]) expect(verdict(r)).toEqual(verdict(none));
    // The gate's own warnings (no policy file, the violations) are the same in every run.
    const about = (r: CliResult) => warnings(r.stderr).filter((w) => w.includes('shared cache'));
    expect(about(down)).toEqual(['depcaps: warning: shared cache postgres://127.0.0.1:1/nothing not used: connection refused; continuing with the local cache']);
    for (const r of [seeding, shared]) expect(about(r)).toEqual([]);
    for (const r of [down, seeding, shared]) expect(warnings(r.stderr).filter((w) => !w.includes('shared cache'))).toEqual(warnings(none.stderr));
  }, 300_000);
});

describe('read-only use (developer laptops)', () => {
  it('?mode=ro and --cache-url-readonly read the store and never write it', async () => {
    const url = await freshStore();
    await auditLockfile(halfLockfile, { env: tmp.env, cwd: tmp.project, registry: registry.url, cacheDir: machine(), cacheUrl: url });
    for (const args of [['--cache-url', `${url}?mode=ro`], ['--cache-url', url, '--cache-url-readonly']]) {
      const r = await audit(['--cache-dir', machine(), ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(warnings(r.stderr)).toEqual([]);
      const report = parseJson<AuditReport>(r);
      expectComplete(report);
      expect(report.summary.sharedCache).toMatchObject({ readonly: true, hits: PACKAGES / 2, published: 0 });
      expect(await storeCounts(url)).toMatchObject({ packages: PACKAGES / 2 });
    }
  });
});
