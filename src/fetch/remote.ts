import { DepcapsError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { downloadTarball, strongest } from './download.js';
import type { FetchOptions } from './index.js';
import { readManifest } from './manifest.js';
import { loadRegistryOptions, secretsOf, splitNetworkOptions } from './npmrc.js';
import { notCached } from './registry.js';
import type { FetchedPackage } from './types.js';

/**
 * Fetches a tarball dependency given by URL (`"x": "https://host/x-1.0.0.tgz"`) and reads it as it
 * streams, verified against `options.integrity` (the lockfile's) when there is one. Credentials for
 * the URL's host come from .npmrc like for a registry; nothing is written to disk.
 * @throws DepcapsError E_USAGE (not http(s)), E_REGISTRY (also with `offline`), and downloadTarball's errors.
 */
export async function fetchRemotePackage(url: string, options: FetchOptions): Promise<FetchedPackage> {
  const shown = redactUrl(url);
  if (!/^https?:\/\//i.test(url)) throw new DepcapsError('E_USAGE', `${shown} is not an http(s) tarball URL.`);
  if (options.offline === true) {
    throw new DepcapsError('E_REGISTRY', `${shown} has no analysis in the cache, and --offline forbids downloading it.`, { hint: 'Run once without --offline.', cause: notCached() });
  }
  const env = options.env ?? process.env;
  const { registryOptions, network } = splitNetworkOptions(loadRegistryOptions({ cwd: options.cwd ?? process.cwd(), env, ...(options.registry !== undefined ? { registry: options.registry } : {}) }));
  const got = await downloadTarball({
    subject: shown,
    url,
    registryOptions,
    network,
    registry: registryOptions.registry,
    secrets: secretsOf(registryOptions),
    limits: options.limits,
    expected: options.integrity !== undefined ? [options.integrity] : [],
    retryMinTimeoutMs: options.retryMinTimeoutMs ?? 250,
    retryMaxTimeoutMs: options.retryMaxTimeoutMs ?? 4000,
  });
  const fallback = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'remote').replace(/(\.tgz|\.tar\.gz|\.tar)$/i, '');
  const mani = readManifest(got.contents.files, { name: fallback, version: '' });
  const anomalies = [...got.contents.anomalies, ...mani.anomalies];
  if (options.integrity === undefined) anomalies.push({ file: '', kind: 'weak-integrity', message: 'the lockfile gives no integrity for this tarball URL; it was not verified.' });
  else if (strongest(options.integrity).algorithm === 'sha1') anomalies.push({ file: '', kind: 'weak-integrity', message: 'the only integrity to verify against was sha1.' });
  return {
    source: 'remote',
    spec: url,
    name: mani.name,
    version: mani.version,
    integrity: got.integrity,
    resolved: shown,
    files: got.contents.files,
    errors: got.contents.errors,
    anomalies,
    bytes: got.contents.bytes,
    tarballBytes: got.tarballBytes,
    ...(mani.manifest !== undefined ? { manifest: mani.manifest } : {}),
  };
}
