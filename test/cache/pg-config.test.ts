/**
 * How a cache URL becomes a connection (no server needed): URL, service file and PG* variables in
 * libpq's order, our own `mode` and `service` parameters, TLS parameters passed through, and what may
 * be printed of it. Plus redaction of PostgreSQL URLs anywhere in text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSharedStore, SharedStoreConfigError } from '../../cache/shared/connection.js';
import type { AuditReport } from '../../src/contract/index.js';
import { redact } from '../../src/redact.js';
import { formatAuditText } from '../../src/report/formatters/audit-text.js';

const dir = mkdtempSync(join(tmpdir(), 'depcaps-pgconf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const resolve = (url: string, env: NodeJS.ProcessEnv = {}, readonly?: boolean) =>
  resolveSharedStore(url, { env: { HOME: dir, ...env }, timeoutMs: 1000, ...(readonly !== undefined ? { readonly } : {}) });

function params(connectionString: string): Record<string, string> {
  return Object.fromEntries(new URL(connectionString).searchParams);
}

describe('resolveSharedStore', () => {
  it('keeps the URL as node-postgres needs it, and prints only host, port and database', () => {
    const c = resolve('postgres://ci:s%40cret@db.internal:6543/depcaps');
    expect(c.connectionString).toBe('postgres://ci:s%40cret@db.internal:6543/depcaps');
    expect(c.display).toBe('postgres://db.internal:6543/depcaps');
    expect(c.readonly).toBe(false);
    expect(c.secrets).toEqual(['s@cret']);
    expect(c.timeoutMs).toBe(1000);
  });

  it('takes mode=ro (and mode=rw) as ours: read-only, not sent to the server', () => {
    const ro = resolve('postgresql://dev@db/depcaps?mode=ro&application_name=x');
    expect(ro.readonly).toBe(true);
    expect(params(ro.connectionString)).toEqual({ application_name: 'x' });
    expect(resolve('postgres://db/d?mode=rw').readonly).toBe(false);
    expect(resolve('postgres://db/d', {}, true).readonly).toBe(true);
    expect(() => resolve('postgres://db/d?mode=readonly')).toThrow(SharedStoreConfigError);
  });

  it('refuses other schemes and unparseable URLs without repeating them', () => {
    expect(() => resolve('mysql://root:pw@db/x')).toThrow(/must start with postgres:\/\//);
    let message = '';
    try {
      resolve('postgres://u:p@ss w[rd@');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not a valid URL/);
    expect(message).not.toContain('ss w[rd');
  });

  it('fills what the URL lacks from PG* variables, never overriding the URL', () => {
    const c = resolve('postgres:///', { PGHOST: 'pg.env', PGPORT: '7000', PGUSER: 'envuser', PGPASSWORD: 'envpass', PGDATABASE: 'envdb', PGSSLMODE: 'require' });
    expect(params(c.connectionString)).toMatchObject({ host: 'pg.env', port: '7000', user: 'envuser', password: 'envpass', sslmode: 'require' });
    expect(new URL(c.connectionString).pathname).toBe('/envdb');
    expect(c.display).toBe('postgres://pg.env:7000/envdb');
    expect(c.secrets).toEqual(['envpass']);
    const explicit = resolve('postgres://urluser:urlpass@url.host:5433/urldb', { PGHOST: 'pg.env', PGUSER: 'envuser', PGPASSWORD: 'envpass', PGDATABASE: 'envdb' });
    expect(params(explicit.connectionString)).toEqual({});
    expect(explicit.display).toBe('postgres://url.host:5433/urldb');
  });

  it('reads a service file (PGSERVICEFILE, ~/.pg_service.conf), between the URL and the environment', () => {
    const file = join(dir, 'services.conf');
    writeFileSync(file, '# fleet\n[other]\nhost=wrong\n\n[depcaps]\nhost = svc.host\nport=5555\ndbname=svcdb\nuser=svcuser\npassword=svc pass\nsslmode=verify-full\nsslrootcert=/etc/ssl/ca.pem\n');
    const c = resolve('postgres://?service=depcaps', { PGSERVICEFILE: file, PGHOST: 'env.host' });
    expect(params(c.connectionString)).toMatchObject({ host: 'svc.host', port: '5555', user: 'svcuser', password: 'svc pass', sslmode: 'verify-full', sslrootcert: '/etc/ssl/ca.pem', uselibpqcompat: 'true' });
    expect(params(c.connectionString)['service']).toBeUndefined();
    expect(c.display).toBe('postgres://svc.host:5555/svcdb');
    expect(c.secrets).toContain('svc pass');
    // PGSERVICE names the service when the URL does not; the URL's own host still wins.
    const viaEnv = resolve('postgres://url.host/', { PGSERVICE: 'depcaps', PGSERVICEFILE: file });
    expect(viaEnv.display).toBe('postgres://url.host:5555/svcdb');
    writeFileSync(join(dir, '.pg_service.conf'), '[home]\nhost=home.host\n');
    expect(resolve('postgres://?service=home').display).toBe('postgres://home.host:5432/');
    expect(() => resolve('postgres://?service=missing', { PGSERVICEFILE: file, PGSYSCONFDIR: dir })).toThrow(/service "missing" is not defined/);
  });

  it('passes TLS parameters through with libpq semantics', () => {
    const c = resolve('postgres://db/x?sslmode=require&sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem');
    expect(params(c.connectionString)).toEqual({ sslmode: 'require', sslrootcert: '/ca.pem', sslcert: '/c.pem', sslkey: '/k.pem', uselibpqcompat: 'true' });
    // An explicit choice of node-postgres semantics is respected.
    expect(params(resolve('postgres://db/x?sslmode=require&uselibpqcompat=false').connectionString)['uselibpqcompat']).toBe('false');
    expect(params(resolve('postgres://db/x').connectionString)).toEqual({});
  });
});

describe('redact on PostgreSQL URLs', () => {
  it.each([
    ['postgres://ci:s3cr3t@db.internal:5432/depcaps', 'postgres://db.internal:5432/depcaps'],
    ['connect to postgresql://alice:hunter2@db/x failed', 'connect to postgresql://db/x failed'],
    ['postgres://u:p@ss#word@host/db', 'postgres://host/db'],
    ['postgres://u:pa/ss@h/db', 'postgres://h/db'],
    ['postgres://h/db?sslmode=require&password=p@ss&x=1', 'postgres://h/db'],
    ['postgres:///depcaps?host=/run/pg&password=abc', 'postgres:///depcaps'],
    ['postgres://db.internal:5432/depcaps', 'postgres://db.internal:5432/depcaps'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('masks an authority that looks like user:password even without an @', () => {
    expect(redact('postgres://u:secret')).toBe('postgres://***');
  });
});

describe('the audit text with a shared store', () => {
  const report = (sharedCache: AuditReport['summary']['sharedCache']): AuditReport => ({
    schemaVersion: 1,
    lockfile: { path: '/p/package-lock.json', format: 'npm', formatVersion: '3' },
    packages: [],
    summary: { packages: 0, analyzed: 0, partial: 0, errors: 0, cached: 0, tarballBytes: 0, parsedBytes: 0, capabilities: {}, ...(sharedCache ? { sharedCache } : {}) },
    diagnostics: [],
  });

  it('ends with what the store gave and took, or why it was not used', () => {
    const base = { store: 'postgres://db:5432/depcaps', readonly: false, hits: 880, published: 40, inserted: 40, roundTrips: 8, ms: 90 };
    expect(formatAuditText(report(base), { color: false })).toMatch(/\nshared cache postgres:\/\/db:5432\/depcaps: 880 from the store · 40 new results shared\n$/);
    expect(formatAuditText(report({ ...base, readonly: true }), { color: false })).toMatch(/: 880 from the store · read-only\n$/);
    expect(formatAuditText(report({ ...base, failed: 'connection refused' }), { color: false })).toMatch(/\nshared cache postgres:\/\/db:5432\/depcaps: not used \(connection refused\)\n$/);
    expect(formatAuditText(report(undefined), { color: false })).not.toContain('shared cache');
  });
});
