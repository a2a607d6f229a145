/**
 * A second test project, for optional flags that only the graph can tell (yarn records none): its
 * packages on the local registry and the files of a yarn workspace project that depends on them.
 * The yarn fixtures `yarn-classic-optional/` and `yarn-berry-optional/` were generated from it once
 * (fixtures/README.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryPackage, RegistryVersion } from '../helpers/local-registry.js';

/** `name@1.0.0` with `dependencies` and `optionalDependencies`, in the packument and the tarball's package.json. */
const pkg = (name: string, dependencies: Record<string, string> = {}, optionalDependencies: Record<string, string> = {}): RegistryPackage => {
  const v: RegistryVersion = {
    files: { 'index.js': 'module.exports = 1;\n', 'package.json': JSON.stringify({ name, version: '1.0.0', dependencies, optionalDependencies }, null, 2) },
    dependencies,
    packument: { optionalDependencies },
  };
  return { versions: { '1.0.0': v } };
};

/**
 * - `tool` (what esbuild is): `helper` required, `tool-linux` and `tool-darwin` only through its
 *   `optionalDependencies`; `tool-linux` depends on `linux-helper` (optional too, through its parent)
 *   and on `helper` (required: `tool` also requires it);
 * - the root requires `direct` and lists `tool` only in the workspace `packages/app`, which yarn
 *   classic does not record; `devtool` (dev) has an optional `devtool-native` (dev and optional).
 */
export const OPTIONAL_PACKAGES: Record<string, RegistryPackage> = {
  tool: pkg('tool', { helper: '^1.0.0' }, { 'tool-linux': '1.0.0', 'tool-darwin': '1.0.0' }),
  'tool-linux': pkg('tool-linux', { 'linux-helper': '^1.0.0', helper: '^1.0.0' }),
  'tool-darwin': pkg('tool-darwin'),
  'linux-helper': pkg('linux-helper'),
  helper: pkg('helper'),
  direct: pkg('direct'),
  devtool: pkg('devtool', {}, { 'devtool-native': '1.0.0' }),
  'devtool-native': pkg('devtool-native'),
};

/** The root package.json of the optional project. */
export const OPTIONAL_ROOT_MANIFEST = {
  name: 'optional-root',
  version: '0.0.0',
  private: true,
  workspaces: ['packages/*'],
  dependencies: { direct: '^1.0.0' },
  devDependencies: { devtool: '^1.0.0' },
};

/** Writes the optional project (root manifest, workspace `packages/app` depending on `tool`) into `dir`. */
export function writeOptionalProject(dir: string): void {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(OPTIONAL_ROOT_MANIFEST, null, 2)}\n`);
  mkdirSync(join(dir, 'packages', 'app'), { recursive: true });
  writeFileSync(join(dir, 'packages', 'app', 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { tool: '^1.0.0' } }, null, 2)}\n`);
}
