/** npm specs, checked before any URL or cache key is built; apart from index.ts so that a warm scan reads a spec without loading pacote. */
import npa from 'npm-package-arg';
import { DepcapsError } from '../errors.js';

/** Longest spec accepted: npm names are ≤ 214 characters, semver strings ≤ 256. */
const MAX_SPEC_LENGTH = 214 + 1 + 256;

/**
 * Validates an npm spec before any URL or cache key is built from it.
 * @throws DepcapsError E_USAGE for hostile or unsupported specs (`../../etc`, `%2e%2e`, > 214 characters, git, URLs).
 */
export function parseRegistrySpec(spec: string): { name: string; raw: string; type: string; fetchSpec: string } {
  const shown = JSON.stringify(spec.length > 80 ? `${spec.slice(0, 80)}…` : spec);
  const usage = (why: string): DepcapsError =>
    new DepcapsError('E_USAGE', `${shown} is not a valid npm package spec: ${why}.`, {
      hint: 'Give name, name@version, name@range, name@tag or @scope/name, or an existing path.',
    });
  if (spec.length > MAX_SPEC_LENGTH) throw usage(`longer than ${MAX_SPEC_LENGTH} characters`);
  // `%2e%2e` and `\` never belong in a name or a range; percent-decoding is how `..` sneaks into URLs.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f%\\]/.test(spec)) throw usage('it contains control characters, "%" or "\\"');
  let parsed: npa.Result;
  try {
    parsed = npa(spec);
  } catch (err) {
    throw usage(String((err as Error).message ?? err).split('\n')[0]?.slice(0, 160) ?? 'unparseable');
  }
  if (parsed.type === 'directory' || parsed.type === 'file') throw usage('no such file or directory');
  if (parsed.type !== 'version' && parsed.type !== 'range' && parsed.type !== 'tag') {
    throw usage(`${parsed.type} specs are not supported (only registry packages)`);
  }
  // semver's MAX_LENGTH; longer strings are never versions, and ranges that long are ReDoS bait.
  if (parsed.rawSpec.length > 256) throw usage('the version, range or tag is longer than 256 characters');
  const name = parsed.name;
  if (typeof name !== 'string' || name === '') throw usage('no package name');
  if (name.length > 214) throw usage('the name is longer than 214 characters');
  const parts = name.startsWith('@') ? name.slice(1).split('/') : [name];
  if (parts.length > 2 || parts.some((p) => p === '' || p.startsWith('.') || p.startsWith('_') || encodeURIComponent(p) !== p)) {
    throw usage('the name has characters or segments npm does not allow');
  }
  return { name, raw: spec, type: parsed.type, fetchSpec: parsed.fetchSpec ?? '' };
}
