/**
 * Shared store benchmark (issue 14): "machine A" audits the bench lockfile (bench/audit-app) with an
 * empty local cache and a PostgreSQL store; "machine B", with another empty local cache, audits it
 * again through the store. Reports wall time, registry requests by kind (through a counting proxy on
 * 127.0.0.1 in front of the registry), PostgreSQL statements (round trips) and time, and the store's
 * size. The baseline is A's cold audit in the same run; a warm local audit is shown for reference.
 *
 * The server: DEPCAPS_BENCH_PG_URL (a database it may fill), else one started like the tests'.
 * Usage: npm run bench -- --only pg
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openCache } from '../cache/open.js';
import { auditLockfile } from '../src/commands/audit.js';
import type { AuditReport } from '../src/contract/index.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { benchLockfile } from './audit.js';

const UPSTREAM = 'https://registry.npmjs.org';
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const MB = 1024 * 1024;

interface CountingProxy {
  url: string;
  counts: { tarball: number; packument: number };
  reset(): void;
  close(): Promise<void>;
}

/** Forwards every GET to the public registry, counting requests by kind. */
async function countingProxy(): Promise<CountingProxy> {
  const counts = { tarball: 0, packument: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    counts[(req.url ?? '').includes('/-/') ? 'tarball' : 'packument']++;
    const headers: Record<string, string> = {};
    for (const h of ['accept', 'accept-encoding', 'if-none-match', 'if-modified-since', 'user-agent', 'npm-command']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = request(`${UPSTREAM}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    upstream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    counts,
    reset: () => {
      counts.tarball = 0;
      counts.packument = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function timedAudit(lockfile: string, options: Parameters<typeof auditLockfile>[1]): Promise<{ ms: number; report: AuditReport }> {
  const t0 = performance.now();
  const report = await auditLockfile(lockfile, options);
  return { ms: performance.now() - t0, report };
}

/** Runs the shared store benchmark and prints its figures. */
export async function pgBench(root: string): Promise<void> {
  const lockfile = benchLockfile(root);
  const started = process.env['DEPCAPS_BENCH_PG_URL'] ? undefined : await startPostgres();
  const url = process.env['DEPCAPS_BENCH_PG_URL'] ?? (await started!.createDatabase(`bench_${Date.now()}`));
  const proxy = await countingProxy();
  const dirs = [mkdtempSync(join(tmpdir(), 'depcaps-bench-pg-a-'))];
  const warnings: string[] = [];
  const base = { registry: proxy.url, cacheUrl: url, onWarning: (m: string) => warnings.push(m) };
  try {
    console.log(`shared store: PostgreSQL ${started ? `(${started.source}, on 127.0.0.1)` : 'from DEPCAPS_BENCH_PG_URL'}`);
    const a = await timedAudit(lockfile, { ...base, cacheDir: dirs[0]! });
    const aReq = { ...proxy.counts };
    const sa = a.report.summary;
    console.log(
      `machine A, cold (empty local cache, empty store): ${fmt(a.ms / 1000)} s for ${sa.packages} packages; registry: ${aReq.packument} packuments, ${aReq.tarball} tarballs ` +
        `(${fmt(sa.tarballBytes / MB)} MB); ${sa.partial} partial, ${sa.errors} not analysed; published ${sa.sharedCache?.inserted ?? 0} results in ${sa.sharedCache?.roundTrips ?? 0} statements`,
    );
    // B three times, each on a new empty local cache: the machine is shared, so the median is reported.
    const runs: { ms: number; report: AuditReport; requests: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'depcaps-bench-pg-b-'));
      dirs.push(dir);
      proxy.reset();
      const b = await timedAudit(lockfile, { ...base, cacheDir: dir });
      runs.push({ ...b, requests: proxy.counts.packument + proxy.counts.tarball });
    }
    const median = <T>(xs: T[], key: (x: T) => number): T => [...xs].sort((p, q) => key(p) - key(q))[Math.floor(xs.length / 2)]!;
    const b = median(runs, (r) => r.ms);
    const sb = b.report.summary;
    const shared = sb.sharedCache;
    console.log(
      `machine B, empty local cache, through the store (median of ${runs.length}: ${runs.map((r) => fmt(r.ms / 1000, 2)).join(', ')} s): ${fmt(b.ms / 1000, 2)} s, ` +
        `${fmt(a.ms / b.ms, 0)}× faster than A's cold audit; ${shared?.hits ?? 0}/${sb.packages} results from the store, ${sb.cached} cached; ` +
        `registry requests: ${runs.map((r) => r.requests).join(', ')}; PostgreSQL: ${shared?.roundTrips ?? 0} statements (round trips) on 1 connection, ` +
        `${shared?.ms ?? 0} ms waiting for them${shared?.failed ? `; FAILED: ${shared.failed}` : ''}`,
    );
    const local = openCache(dirs[0]!).store;
    if (local) {
      const info = local.info();
      local.close();
      console.log(`machine A's local cache: ${fmt(info.bytes / MB)} MB (${info.packages} package results, ${info.files} file results, ${info.packuments} packuments)`);
    }
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) {
      proxy.reset();
      warm.push((await timedAudit(lockfile, { ...base, cacheDir: dirs[1]!, cacheUrl: '' })).ms);
    }
    console.log(`machine B again, warm local cache, no store (median of 3): ${fmt(median(warm, (x) => x) / 1000, 2)} s; registry: ${proxy.counts.packument + proxy.counts.tarball} requests`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const size = (
        await client.query<{ total: string; reports: string; n: number }>(
          `SELECT pg_total_relation_size('depcaps.packages') + pg_total_relation_size('depcaps.capabilities') + pg_total_relation_size('depcaps.versions') AS total,
                  (SELECT sum(octet_length(report)) FROM depcaps.packages) AS reports, (SELECT count(*)::int FROM depcaps.packages) AS n`,
        )
      ).rows[0]!;
      console.log(`store size: ${fmt(Number(size.total) / MB)} MB on disk for ${size.n} results (reports ${fmt(Number(size.reports) / MB)} MB as text, ${fmt(Number(size.reports) / size.n / 1024)} KiB each)`);
    } finally {
      await client.end();
    }
    if (warnings.length > 0) console.log(`warnings: ${warnings.join(' | ')}`);
  } finally {
    await proxy.close();
    await started?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
