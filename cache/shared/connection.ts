import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** How to reach the shared store: what node-postgres needs, and what may be shown of it. */
export interface SharedStoreConfig {
  /** The connection string handed to node-postgres (credentials included: never print it). */
  connectionString: string;
  /** `postgres://host:port/database`: no user, password or query. The only form ever printed. */
  display: string;
  /** Read results, never write (`--cache-url-readonly`, `?mode=ro`, DEPCAPS_CACHE_URL_READONLY=1). */
  readonly: boolean;
  /** Password values from every source, scrubbed from any message as a last line of defence. */
  secrets: string[];
  /** Connection and per-query timeout, ms. */
  timeoutMs: number;
}

/** A cache URL that cannot be used as given (bad scheme, unknown service, bad `mode`). */
export class SharedStoreConfigError extends Error {}

/** libpq keywords a service file or PG* variable may supply, with their environment variable. */
const KEYWORDS: readonly [keyword: string, env: string][] = [
  ['host', 'PGHOST'],
  ['port', 'PGPORT'],
  ['user', 'PGUSER'],
  ['password', 'PGPASSWORD'],
  ['dbname', 'PGDATABASE'],
  ['sslmode', 'PGSSLMODE'],
  ['sslrootcert', 'PGSSLROOTCERT'],
  ['sslcert', 'PGSSLCERT'],
  ['sslkey', 'PGSSLKEY'],
  ['application_name', 'PGAPPNAME'],
  ['options', 'PGOPTIONS'],
];

/** One `[name]` section of a pg_service.conf file (libpq's format: `key=value` lines, `#` comments). */
function serviceSection(text: string, name: string): Record<string, string> | undefined {
  let current: string | undefined;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = section[1]!.trim();
      if (current === name) found ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (current === name && found && eq > 0) found[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return found;
}

/**
 * The parameters of service `name`, looked up as libpq does: PGSERVICEFILE or ~/.pg_service.conf,
 * then PGSYSCONFDIR/pg_service.conf (Debian's default directory is /etc/postgresql-common).
 * @throws SharedStoreConfigError when no file defines the service.
 */
function readService(name: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const files = [
    env['PGSERVICEFILE'] || join(env['HOME'] || homedir(), '.pg_service.conf'),
    join(env['PGSYSCONFDIR'] || '/etc/postgresql-common', 'pg_service.conf'),
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const section = serviceSection(text, name);
    if (section) return section;
  }
  throw new SharedStoreConfigError(`service "${name}" is not defined in ${files.join(' or ')}`);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Resolves a `postgres://` cache URL into a connection. Parameters come from the URL first, then the
 * service it names (`?service=` or PGSERVICE), then PG* environment variables, as with libpq; a
 * password may also come from ~/.pgpass (node-postgres reads it). TLS parameters (`sslmode`,
 * `sslrootcert`, `sslcert`, `sslkey`, or PGSSLMODE…) pass through with libpq's meaning of each mode.
 * `?mode=ro` makes the store read-only; `mode` and `service` are ours and not sent to the server.
 * @throws SharedStoreConfigError for another scheme, an unparseable URL, an unknown service or mode.
 */
export function resolveSharedStore(url: string, options: { readonly?: boolean; env: NodeJS.ProcessEnv; timeoutMs: number }): SharedStoreConfig {
  const { env } = options;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The text may hold a password: it is never repeated.
    throw new SharedStoreConfigError('the cache URL is not a valid URL (percent-encode @, /, # and spaces in the password)');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new SharedStoreConfigError(`the cache URL must start with postgres:// or postgresql://, not ${u.protocol}//`);
  }
  const q = u.searchParams;
  const mode = q.get('mode');
  q.delete('mode');
  if (mode !== null && mode !== 'ro' && mode !== 'rw') throw new SharedStoreConfigError(`mode=${mode} in the cache URL: use mode=ro (read-only) or mode=rw`);
  const serviceName = q.get('service') ?? (env['PGSERVICE'] || undefined);
  q.delete('service');
  const service = serviceName ? readService(serviceName, env) : {};

  const present: Record<string, boolean> = {
    host: u.hostname !== '' || q.has('host'),
    port: u.port !== '' || q.has('port'),
    user: u.username !== '' || q.has('user'),
    password: u.password !== '' || q.has('password'),
    dbname: u.pathname.length > 1,
  };
  for (const [keyword, envName] of KEYWORDS) {
    if (present[keyword] || q.has(keyword)) continue;
    const value = service[keyword] ?? (env[envName] || undefined);
    if (value === undefined || value === '') continue;
    if (keyword === 'dbname') u.pathname = `/${encodeURIComponent(value)}`;
    else q.set(keyword, value);
  }
  // node-postgres reads sslmode=require as verify-full unless asked for libpq's meaning; users who
  // write sslmode=require expect what psql does with it.
  if (q.has('sslmode') && !q.has('uselibpqcompat')) q.set('uselibpqcompat', 'true');

  const host = u.hostname || q.get('host') || 'localhost';
  const port = u.port || q.get('port') || '5432';
  const database = u.pathname.length > 1 ? decode(u.pathname.slice(1)) : decode(u.username) || q.get('user') || '';
  const secrets = [decode(u.password), q.get('password'), q.get('sslpassword'), service['password'], env['PGPASSWORD']].filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
  return {
    connectionString: u.toString(),
    display: `postgres://${host.startsWith('/') ? encodeURIComponent(host) : host}:${port}/${database}`,
    readonly: options.readonly === true || mode === 'ro',
    secrets: [...new Set(secrets)],
    timeoutMs: options.timeoutMs,
  };
}
