import type { Anomaly } from '../contract/index.js';
import type { PackageFile } from './types.js';

/** What the package's own package.json says, plus what was wrong with it. */
export interface ManifestInfo {
  /** From the manifest, else the fallback (spec or file name). */
  name: string;
  /** From the manifest, else the fallback ('' when unknown). */
  version: string;
  /** The parsed package.json when it is a JSON object. */
  manifest?: Record<string, unknown>;
  anomalies: Anomaly[];
}

/** Longest JSON error text we keep: V8 quotes input in its messages and the input is hostile. */
const MAX_MESSAGE = 200;

/**
 * Reads the root `package.json` among in-memory files: missing, unparseable or ill-typed
 * manifests become `invalid-manifest` anomalies, never exceptions, and the files are still analysed.
 */
export function readManifest(files: readonly PackageFile[], fallback: { name: string; version: string }): ManifestInfo {
  const anomalies: Anomaly[] = [];
  const invalid = (message: string): void => {
    anomalies.push({ file: 'package.json', kind: 'invalid-manifest', message });
  };
  const file = files.find((f) => f.path === 'package.json');
  if (file === undefined) {
    invalid('package.json is missing.');
    return { name: fallback.name, version: fallback.version, anomalies };
  }
  if (!('data' in file)) {
    invalid(`package.json is ${file.size} bytes, over the file size limit; not read.`);
    return { name: fallback.name, version: fallback.version, anomalies };
  }

  // npm strips a UTF-8 BOM before parsing; so do we (JSON.parse rejects it).
  const text = Buffer.from(file.data).toString('utf8').replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    invalid(`package.json is not valid JSON: ${clip(err instanceof Error ? err.message : String(err))}`);
    return { name: fallback.name, version: fallback.version, anomalies };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    invalid(`package.json is not a JSON object (found ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}).`);
    return { name: fallback.name, version: fallback.version, anomalies };
  }

  const manifest = parsed as Record<string, unknown>;
  // npm's limits: 214 characters for a name, 256 for a version (semver's MAX_LENGTH).
  const name = stringField(manifest, 'name', 214, invalid);
  const version = stringField(manifest, 'version', 256, invalid);
  for (const key of ['scripts', 'dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']) {
    const value = manifest[key];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      invalid(`"${key}" is ${describe(value)}, not an object.`);
    }
  }
  const scripts = manifest['scripts'];
  if (typeof scripts === 'object' && scripts !== null && !Array.isArray(scripts)) {
    for (const [key, value] of Object.entries(scripts)) {
      if (typeof value !== 'string') invalid(`scripts.${clip(key)} is ${describe(value)}, not a string.`);
    }
  }
  return { name: name ?? fallback.name, version: version ?? fallback.version, manifest, anomalies };
}

function stringField(
  manifest: Record<string, unknown>,
  key: string,
  maxLength: number,
  invalid: (m: string) => void,
): string | undefined {
  const value = manifest[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    invalid(`"${key}" is ${describe(value)}, not a non-empty string.`);
    return undefined;
  }
  if (value.length > maxLength) {
    invalid(`"${key}" is ${value.length} characters long (at most ${maxLength}).`);
    return undefined;
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine;
}

/** Lifecycle scripts npm runs on install. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/**
 * Compares the registry's metadata of a version with the tarball's own package.json:
 * a different name or version, or install scripts the registry does not announce
 * (`hasInstallScript`), become `manifest-mismatch` anomalies. npm runs the tarball's scripts.
 */
export function compareWithRegistry(
  registry: Record<string, unknown>,
  tarball: ManifestInfo,
): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const mismatch = (message: string): void => {
    anomalies.push({ file: 'package.json', kind: 'manifest-mismatch', message });
  };
  const manifest = tarball.manifest;
  if (manifest === undefined) return anomalies;
  for (const key of ['name', 'version'] as const) {
    const theirs = registry[key];
    if (typeof manifest[key] === 'string' && typeof theirs === 'string' && manifest[key] !== theirs) {
      mismatch(`the tarball says ${key} ${JSON.stringify(clip(String(manifest[key])))}, the registry ${JSON.stringify(clip(theirs))}.`);
    }
  }
  const scripts = manifest['scripts'];
  const declared = typeof scripts === 'object' && scripts !== null ? INSTALL_SCRIPTS.filter((s) => s in scripts) : [];
  const announced = registry['hasInstallScript'] === true || hasScripts(registry['scripts']);
  if (declared.length > 0 && !announced) {
    mismatch(`the tarball declares ${declared.join(', ')} but the registry metadata announces no install script.`);
  }
  return anomalies;
}

function hasScripts(scripts: unknown): boolean {
  return typeof scripts === 'object' && scripts !== null && INSTALL_SCRIPTS.some((s) => s in scripts);
}
