import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DepcapsError } from '../errors.js';
import { redactUrl } from '../redact.js';

/**
 * Flat registry options in the shape pacote / npm-registry-fetch read them:
 * `registry`, `'@scope:registry'`, `'//host/path/:_authToken'`, `'//host/path/:_auth'`,
 * `'//host/path/:username'`, `'//host/path/:_password'`.
 * It holds credentials: never print, log, serialise or cache it (use {@link secretsOf} to scrub).
 */
export type RegistryOptions = Record<string, string> & { registry: string };

/** Where registry configuration is read from. */
export interface NpmrcSources {
  /** Project directory: its `.npmrc` is read (npm reads the project root's only). */
  cwd: string;
  /** Environment: `HOME`, `npm_config_userconfig`, `npm_config_registry`, `${VAR}` values. */
  env: NodeJS.ProcessEnv;
  /** `--registry`: overrides every other source for unscoped packages. */
  registry?: string;
}

/** npm's default registry. */
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** `.npmrc` files are a few lines; a huge one is a mistake or an attack, not config. */
const MAX_NPMRC_BYTES = 1024 * 1024;

/** Credential fields npm-registry-fetch looks up under a registry's nerf dart. */
const CREDENTIAL_FIELDS = ['_authToken', '_auth', 'username', '_password', 'certfile', 'keyfile'] as const;

/** Connection settings npm honours (corporate proxies and CAs); passed on as {@link NetworkOptions}. */
const NETWORK_FIELDS = ['ca', 'cafile', 'strict-ssl', 'proxy', 'https-proxy', 'noproxy'] as const;

/** TLS and proxy options in the shape make-fetch-happen reads them. */
export interface NetworkOptions {
  ca?: string[];
  strictSSL?: boolean;
  proxy?: string;
  noProxy?: string;
}

/** Fields whose values are secrets. */
const SECRET_FIELDS = new Set(['_authToken', '_auth', '_password']);

/**
 * Reads registry configuration like npm: defaults < user `.npmrc` < project `.npmrc` <
 * `npm_config_*` environment < `--registry`.
 * @throws DepcapsError E_USAGE for an unreadable `.npmrc`, an undefined `${VAR}`, or a registry that is not an http(s) URL.
 */
export function loadRegistryOptions(sources: NpmrcSources): RegistryOptions {
  const { env, cwd } = sources;
  const merged: Record<string, string> = { registry: DEFAULT_REGISTRY };

  const home = env['HOME'] ?? env['USERPROFILE'];
  const userconfig = envConfig(env).get('userconfig') ?? (home ? join(home, '.npmrc') : undefined);
  const files = [userconfig, join(cwd, '.npmrc')];
  for (const file of files) {
    if (file === undefined) continue;
    const text = readConfigFile(file);
    if (text !== undefined) Object.assign(merged, scopeLegacyCredentials(parseNpmrc(text, env, file)));
  }
  for (const [key, value] of envConfig(env)) {
    if (key === 'registry' || /^@[^:]+:registry$/.test(key) || (NETWORK_FIELDS as readonly string[]).includes(key)) merged[key] = value;
  }
  if (sources.registry !== undefined) merged['registry'] = sources.registry;

  const options: RegistryOptions = { registry: normaliseRegistry(merged['registry'] ?? DEFAULT_REGISTRY, 'registry') };
  for (const [key, value] of Object.entries(merged)) {
    if (/^@[^:/]+:registry$/.test(key)) options[key] = normaliseRegistry(value, key);
    else if (key.startsWith('//') && CREDENTIAL_FIELDS.some((f) => key.endsWith(`:${f}`))) options[key] = value;
    else if ((NETWORK_FIELDS as readonly string[]).includes(key)) options[key] = value;
  }
  return options;
}

/**
 * Splits the connection settings (`cafile`, `ca`, `strict-ssl`, `proxy`, `https-proxy`, `noproxy`)
 * off registry options and turns them into typed options: `strict-ssl=false` must reach the agent as a
 * boolean, and `cafile` as the certificates it holds.
 * @throws DepcapsError E_USAGE when `cafile` cannot be read.
 */
export function splitNetworkOptions(options: RegistryOptions): { registryOptions: RegistryOptions; network: NetworkOptions } {
  const registryOptions = { ...options };
  const network: NetworkOptions = {};
  const take = (key: string): string | undefined => {
    const value = registryOptions[key];
    delete registryOptions[key];
    return value === '' ? undefined : value;
  };
  const ca = take('ca');
  const cafile = take('cafile');
  const strict = take('strict-ssl');
  const proxy = take('https-proxy') ?? take('proxy');
  take('proxy');
  const noProxy = take('noproxy');
  if (cafile !== undefined) {
    let text: string;
    try {
      text = readFileSync(cafile, 'utf8');
    } catch (err) {
      throw new DepcapsError('E_USAGE', `cannot read the cafile configured in .npmrc (${cafile}): ${(err as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    network.ca = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  } else if (ca !== undefined) {
    network.ca = [ca.replace(/\\n/g, '\n')];
  }
  if (strict !== undefined) network.strictSSL = strict !== 'false';
  if (proxy !== undefined) network.proxy = proxy;
  if (noProxy !== undefined) network.noProxy = noProxy;
  return { registryOptions, network };
}

/**
 * Legacy top-level credentials (`_authToken=…` with no registry key) belong to the registry
 * named in the same file (npmjs when none): never to one named by another file, the
 * environment or `--registry`, or a project `.npmrc` could redirect a user's token.
 */
function scopeLegacyCredentials(config: Record<string, string>): Record<string, string> {
  const out = { ...config };
  const dart = nerfDart(normaliseRegistry(config['registry'] ?? DEFAULT_REGISTRY, 'registry'));
  for (const field of CREDENTIAL_FIELDS) {
    const legacy = out[field];
    if (legacy === undefined) continue;
    delete out[field];
    out[`${dart}:${field}`] ??= legacy;
  }
  return out;
}

/** The secret values (tokens, passwords, basic auth) of some registry options, to scrub them from any text. */
export function secretsOf(options: Record<string, string>): string[] {
  const secrets: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (key === 'registry' || key.endsWith(':registry')) {
      // `https://user:pass@host/` works in npm too; the password is a secret like a token.
      const password = passwordOf(value);
      if (password) secrets.push(password, safeDecode(password));
      continue;
    }
    const field = key.slice(key.lastIndexOf(':') + 1);
    if (!key.startsWith('//') || !SECRET_FIELDS.has(field) || value === '') continue;
    secrets.push(value);
    if (field === '_auth' || field === '_password') {
      // npm base64-decodes these before use: the decoded form is a secret too.
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      secrets.push(decoded, ...decoded.split(':').slice(1));
    }
  }
  return secrets.filter((s) => s.length > 0);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return '';
  }
}

/** The registry that serves `name`: its scope's `@scope:registry`, else the default one. */
export function registryFor(name: string, options: RegistryOptions): string {
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  return (scope !== undefined ? options[`${scope}:registry`] : undefined) ?? options.registry;
}

/** `//host[:port]/path/`: the key npm stores credentials under for a registry URL. */
export function nerfDart(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`;
  return `//${parsed.host}${path}`;
}

/**
 * Parses `.npmrc` text (ini as npm writes it) into flat string keys, expanding `${VAR}`.
 * Sections and `key[]` arrays are ignored: npm ignores non-string config values too.
 * @throws DepcapsError E_USAGE when `${VAR}` is undefined (npm fails too; `${VAR?}` expands to '').
 */
export function parseNpmrc(text: string, env: NodeJS.ProcessEnv, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inSection = false;
  for (const rawLine of text.split(/\r?\n|\r/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      inSection = true;
      continue;
    }
    if (inSection) continue;
    const eq = line.indexOf('=');
    const rawKey = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (rawKey === '' || rawKey.endsWith('[]')) continue;
    const value = eq === -1 ? 'true' : unquote(line.slice(eq + 1).trim());
    const key = expandEnv(unquote(rawKey), env, file);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = expandEnv(value, env, file);
  }
  return out;
}

/** ini's value rules: `"…"` is JSON, `'…'` is literal, otherwise `;`/`#` start a comment unless escaped. */
function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // Not JSON: ini keeps it verbatim.
    }
    return value;
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '\\' && i + 1 < value.length && '\\;#'.includes(value[i + 1] ?? '')) {
      out += value[++i] ?? '';
    } else if (c === ';' || c === '#') {
      break;
    } else {
      out += c;
    }
  }
  return out.trim();
}

/** npm's `${VAR}` / `${VAR?}` expansion; `\${VAR}` stays literal. The value is never put in an error. */
function expandEnv(value: string, env: NodeJS.ProcessEnv, file: string): string {
  return value.replace(/(\\*)\$\{([^${}?]{1,256})(\?)?\}/g, (whole, slashes: string, name: string, optional?: string) => {
    // An odd number of backslashes escapes the `$`: keep it literal, minus one backslash.
    if (slashes.length % 2 === 1) return whole.slice(1);
    const replacement = env[name];
    if (replacement === undefined) {
      if (optional) return slashes;
      throw new DepcapsError('E_USAGE', `Failed to replace env in config: \${${name}} (in ${file}).`, {
        hint: `Set ${name} in the environment, or write \${${name}?} to allow it to be empty.`,
      });
    }
    return slashes + replacement;
  });
}

/** `npm_config_*` environment variables (any case), keyed by the lower-cased config name. */
function envConfig(env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || value === '' || !/^npm_config_/i.test(key)) continue;
    // npm's own rule: `npm_config_strict_ssl` is `strict-ssl` (a leading underscore stays: `_auth`).
    out.set(key.slice('npm_config_'.length).replace(/(?!^)_/g, '-').toLowerCase(), value);
  }
  return out;
}

function readConfigFile(file: string): string | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new DepcapsError('E_USAGE', `Could not read npm config ${file} (${code ?? 'unknown error'}).`);
  }
  if (data.length > MAX_NPMRC_BYTES) {
    throw new DepcapsError('E_USAGE', `npm config ${file} is larger than ${MAX_NPMRC_BYTES} bytes.`);
  }
  return data.toString('utf8').replace(/^\uFEFF/, '');
}

function normaliseRegistry(value: string, key: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new DepcapsError('E_USAGE', `The ${key} setting is not a URL: ${redactUrl(value)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DepcapsError('E_USAGE', `The ${key} setting must be an http(s) URL: ${redactUrl(value)}.`);
  }
  return value.endsWith('/') ? value : `${value}/`;
}
