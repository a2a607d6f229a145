/**
 * A real npm registry on 127.0.0.1, for tests: packuments (full and corgi), tarballs built at
 * start-up with make-tarball, optional bearer-token auth, scripted faults per route and a log
 * of every request with its headers.
 *
 * ```ts
 * const reg = await startRegistry({ packages: { 'left-pad': { versions: { '1.0.0': { files: { 'index.js': '…' } } } } } });
 * reg.url;                                     // 'http://127.0.0.1:40123/'
 * reg.setFaults(packumentPath('left-pad'), [{ kind: 'status', status: 500, times: 2 }]);
 * reg.requests(packumentPath('left-pad'));     // what reached that route, with headers
 * await reg.close();
 * ```
 * Routes are decoded paths: `/left-pad`, `/@acme/x` (requested as `/@acme%2fx`),
 * `/@acme/x/-/x-1.0.0.tgz`. Unknown routes answer 404.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import semver from 'semver';
import { makePackageTarball } from './make-tarball.js';

/** One published version. */
export interface RegistryVersion {
  /** Files under `package/`; a package.json with name, version, scripts and dependencies is added when missing. */
  files: Record<string, string | Buffer>;
  /** ISO date for the packument's `time` field. */
  publishedAt?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  /** Serve these bytes as the tarball instead of building one (the integrity is computed from them). */
  tarball?: Buffer;
  /** Extra or overriding fields of this version's packument entry (e.g. a lying `hasInstallScript`). */
  packument?: Record<string, unknown>;
  /** What `dist` carries: `integrity` + `shasum` (default), `shasum` only (publishes before 2017), or neither. */
  distIntegrity?: 'sha512' | 'sha1-only' | 'none';
}

/** One package: its versions and dist-tags (`latest` defaults to the highest version). */
export interface RegistryPackage {
  versions: Record<string, RegistryVersion>;
  distTags?: Record<string, string>;
}

/** What a route does instead of answering normally. */
export type Fault =
  /** Answer with this status (body: a JSON error unless given). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Accept the request and never answer (the log records when the client gives up). */
  | { kind: 'hang' }
  /** Send 200 and headers, then one byte of the body every `intervalMs` (a slow-drip server). */
  | { kind: 'drip'; intervalMs?: number }
  /** Send the first `fraction` of the body; Content-Length is the cut length unless `declareFullLength`, then the socket is destroyed. */
  | { kind: 'truncate'; fraction?: number; declareFullLength?: boolean }
  /** Same length, different bytes: an integrity mismatch. */
  | { kind: 'corrupt' }
  /** 200 with this body instead (HTML error page, garbage JSON, …). */
  | { kind: 'body'; body: string | Buffer; contentType?: string }
  /** Redirect to `location`. */
  | { kind: 'redirect'; location: string; status?: number }
  /** Answer normally, after `ms` (a slow server, to see requests overlap). */
  | { kind: 'delay'; ms: number };

/** A fault applied to the next `times` requests of its route (default: all of them). */
export type ScriptedFault = Fault & { times?: number };

/** Options of {@link startRegistry}. */
export interface LocalRegistryOptions {
  packages: Record<string, RegistryPackage>;
  /** When set, every request must carry `authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Faults by route, consumed in order. */
  faults?: Record<string, ScriptedFault | ScriptedFault[]>;
  /** Base URL the packuments point tarballs at (default: this registry), to put tarballs on another host. */
  tarballBaseUrl?: string;
}

/** One request as the server saw it. */
export interface RequestRecord {
  method: string;
  /** The raw request target, as sent (`/@acme%2fx`). */
  url: string;
  /** The decoded path used for routing (`/@acme/x`). */
  route: string;
  headers: IncomingHttpHeaders;
  /** Status sent, once the response started. */
  status?: number;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** The connection closed before the response was complete (client timeout, abort). */
  closedEarly: boolean;
}

/** A running registry. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Every request, in arrival order. */
  log: RequestRecord[];
  /** The requests that reached one route. */
  requests(route: string): RequestRecord[];
  /** sha512 SRI of a version's tarball. */
  integrity(name: string, version: string): string;
  /** The tarball bytes of a version. */
  tarball(name: string, version: string): Buffer;
  /** Absolute tarball URL of a version, as put in the packument. */
  tarballUrl(name: string, version: string): string;
  /** The most requests of a kind that were open at once since the start or the last {@link LocalRegistry.resetPeak}. */
  peakInFlight(kind: 'tarball' | 'packument'): number;
  resetPeak(): void;
  /** Replaces the scripted faults of a route. */
  setFaults(route: string, faults: ScriptedFault | ScriptedFault[]): void;
  /** Stops the server and drops every open connection (hanging requests included). */
  close(): Promise<void>;
}

/** Route of a packument: `/<name>`. */
export function packumentPath(name: string): string {
  return `/${name}`;
}

/** Route of a tarball: `/<name>/-/<unscoped name>-<version>.tgz`, like registry.npmjs.org. */
export function tarballPath(name: string, version: string): string {
  return `/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

interface BuiltVersion {
  tarball: Buffer;
  integrity: string;
  shasum: string;
  spec: RegistryVersion;
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];
const CORGI = 'application/vnd.npm.install-v1+json';

/** Starts a registry on 127.0.0.1 with an OS-assigned port. */
export async function startRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const built = new Map<string, Map<string, BuiltVersion>>();
  const tarballs = new Map<string, { name: string; version: string }>();
  for (const [name, pkg] of Object.entries(options.packages)) {
    const versions = new Map<string, BuiltVersion>();
    for (const [version, spec] of Object.entries(pkg.versions)) {
      const files = { ...spec.files };
      files['package.json'] ??= JSON.stringify({ name, version, scripts: spec.scripts, dependencies: spec.dependencies }, null, 2);
      const tarball = spec.tarball ?? makePackageTarball(files);
      versions.set(version, {
        tarball,
        integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
        shasum: createHash('sha1').update(tarball).digest('hex'),
        spec,
      });
      tarballs.set(tarballPath(name, version), { name, version });
    }
    built.set(name, versions);
  }

  const faults = new Map<string, ScriptedFault[]>();
  const setFaults = (route: string, f: ScriptedFault | ScriptedFault[]): void => {
    faults.set(route, (Array.isArray(f) ? f : [f]).map((x) => ({ ...x })));
  };
  for (const [route, f] of Object.entries(options.faults ?? {})) setFaults(route, f);
  const nextFault = (route: string): Fault | undefined => {
    const list = faults.get(route) ?? [];
    const fault = list.find((f) => f.times === undefined || f.times > 0);
    if (fault?.times !== undefined) fault.times--;
    return fault;
  };

  const log: RequestRecord[] = [];
  const inFlight = { tarball: 0, packument: 0 };
  const peak = { tarball: 0, packument: 0 };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const tarballBase = (options.tarballBaseUrl ?? url).replace(/\/$/, '');
  const tarballUrl = (name: string, version: string): string => `${tarballBase}${tarballPath(name, version)}`;
  const lookup = (name: string, version: string): BuiltVersion => {
    const v = built.get(name)?.get(version);
    if (!v) throw new Error(`local registry: no ${name}@${version}`);
    return v;
  };

  const packument = (name: string, corgi: boolean): Record<string, unknown> | undefined => {
    const pkg = options.packages[name];
    const versions = built.get(name);
    if (!pkg || !versions) return undefined;
    const ordered = [...versions.keys()].sort((a, b) => (semver.valid(a) && semver.valid(b) ? semver.compare(a, b) : a < b ? -1 : 1));
    const distTags = { latest: ordered[ordered.length - 1] ?? '', ...pkg.distTags };
    const time: Record<string, string> = { created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z' };
    const entries: Record<string, unknown> = {};
    for (const version of ordered) {
      const v = versions.get(version) as BuiltVersion;
      const scripts = v.spec.scripts ?? {};
      entries[version] = {
        name,
        version,
        ...(v.spec.dependencies ? { dependencies: v.spec.dependencies } : {}),
        ...(corgi ? (INSTALL_SCRIPTS.some((s) => s in scripts) ? { hasInstallScript: true } : {}) : { scripts, _id: `${name}@${version}` }),
        dist: {
          tarball: tarballUrl(name, version),
          ...(v.spec.distIntegrity === undefined || v.spec.distIntegrity === 'sha512' ? { integrity: v.integrity } : {}),
          ...(v.spec.distIntegrity !== 'none' ? { shasum: v.shasum } : {}),
        },
        ...v.spec.packument,
      };
      time[version] = v.spec.publishedAt ?? '2020-01-01T00:00:00.000Z';
    }
    return corgi
      ? { name, 'dist-tags': distTags, versions: entries, modified: time['modified'] }
      : { _id: name, name, 'dist-tags': distTags, versions: entries, time };
  };

  const timers = new Set<NodeJS.Timeout>();
  const send = (res: ServerResponse, record: RequestRecord, status: number, body: Buffer, type: string, fault?: Fault): void => {
    record.status = status;
    if (fault?.kind === 'drip') {
      res.writeHead(status, { 'content-type': type, 'content-length': body.length });
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= body.length) {
          clearInterval(timer);
          timers.delete(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body.subarray(sent, ++sent));
      }, fault.intervalMs ?? 1000);
      timers.add(timer);
      return;
    }
    if (fault?.kind === 'truncate') {
      const cut = body.subarray(0, Math.floor(body.length * (fault.fraction ?? 0.5)));
      res.writeHead(status, { 'content-type': type, 'content-length': fault.declareFullLength ? body.length : cut.length });
      if (fault.declareFullLength) res.write(cut, () => res.destroy());
      else res.end(cut);
      return;
    }
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      const mid = Math.floor(body.length / 2);
      body[mid] = (body[mid] ?? 0) ^ 0xff;
    }
    res.writeHead(status, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    const pathname = raw.replace(/[?#].*$/s, '');
    let route: string;
    try {
      route = decodeURIComponent(pathname);
    } catch {
      route = pathname;
    }
    const record: RequestRecord = { method: req.method ?? 'GET', url: raw, route, headers: { ...req.headers }, closedEarly: false };
    log.push(record);
    const kind = route.includes('/-/') ? 'tarball' : 'packument';
    peak[kind] = Math.max(peak[kind], ++inFlight[kind]);
    res.on('close', () => {
      inFlight[kind]--;
      if (!res.writableFinished) record.closedEarly = true;
    });
    const json = (status: number, value: unknown, fault?: Fault, type = 'application/json'): void =>
      send(res, record, status, Buffer.from(JSON.stringify(value)), type, fault);

    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return json(401, { error: 'authentication required' });
    }
    const fault = nextFault(route);
    if (fault) record.fault = fault.kind;
    switch (fault?.kind) {
      case 'hang':
        return; // never answer; close() or the client's timeout ends it
      case 'status':
        record.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        return void res.end(fault.body ?? JSON.stringify({ error: `scripted ${fault.status}` }));
      case 'body':
        return send(res, record, 200, Buffer.from(fault.body), fault.contentType ?? 'text/html');
      case 'redirect':
        record.status = fault.status ?? 302;
        res.writeHead(record.status, { location: fault.location });
        return void res.end();
      default:
        break;
    }
    const answer = (): void => {
      const tar = tarballs.get(route);
      if (tar) return send(res, record, 200, lookup(tar.name, tar.version).tarball, 'application/octet-stream', fault);
      const doc = packument(route.slice(1), String(req.headers.accept ?? '').includes(CORGI));
      if (doc) return json(200, doc, fault, String(req.headers.accept ?? '').includes(CORGI) ? CORGI : 'application/json');
      return json(404, { error: 'Not found' });
    };
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer();
      }, fault.ms);
      timers.add(timer);
      return;
    }
    answer();
  });

  return {
    url,
    log,
    requests: (route) => log.filter((r) => r.route === route),
    integrity: (name, version) => lookup(name, version).integrity,
    tarball: (name, version) => lookup(name, version).tarball,
    tarballUrl,
    peakInFlight: (kind) => peak[kind],
    resetPeak: () => {
      peak.tarball = inFlight.tarball;
      peak.packument = inFlight.packument;
    },
    setFaults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
