/**
 * The one test project every lockfile test is generated from: its packages on the local
 * registry and the files of the project that depends on them. The npm tests run npm against it
 * at test time; the yarn and pnpm fixtures were generated from it once (fixtures/README.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistryPackage } from '../helpers/local-registry.js';

const pkg = (versions: Record<string, Record<string, string> | undefined>): RegistryPackage => ({
  versions: Object.fromEntries(
    Object.entries(versions).map(([version, dependencies]) => [
      version,
      { files: { 'index.js': 'module.exports = 1;\n' }, ...(dependencies ? { dependencies } : {}) },
    ]),
  ),
});

/**
 * - `prod-a` (prod) depends on `shared@^1`, while the root wants `shared@^2`: two versions in the tree;
 * - `dev-b` (dev) depends on `dev-only` (dev) and `shared@^2` (prod through the root);
 * - `opt-c` is optional; `alias-name` is `npm:real@^1.0.0` (real has 1.0.0 and 1.1.0);
 * - `@acme/scoped` is scoped; the workspace `ws-a` depends on `ws-dep`; `local-pkg` is `file:`.
 */
export const REGISTRY_PACKAGES: Record<string, RegistryPackage> = {
  'prod-a': pkg({ '1.0.0': { shared: '^1.0.0' } }),
  shared: pkg({ '1.0.0': undefined, '2.0.0': undefined }),
  'dev-b': pkg({ '1.0.0': { 'dev-only': '^1.0.0', shared: '^2.0.0' } }),
  'dev-only': pkg({ '1.0.0': undefined }),
  'opt-c': pkg({ '1.0.0': undefined }),
  real: pkg({ '1.0.0': undefined, '1.1.0': undefined }),
  '@acme/scoped': pkg({ '1.0.0': undefined }),
  'ws-dep': pkg({ '1.0.0': undefined }),
};

/** The root package.json of the test project. */
export const ROOT_MANIFEST = {
  name: 'fixture-root',
  version: '0.0.0',
  private: true,
  workspaces: ['packages/*'],
  dependencies: {
    'prod-a': '^1.0.0',
    shared: '^2.0.0',
    'alias-name': 'npm:real@^1.0.0',
    '@acme/scoped': '^1.0.0',
    'local-pkg': 'file:./local-pkg',
  },
  devDependencies: { 'dev-b': '^1.0.0' },
  optionalDependencies: { 'opt-c': '^1.0.0' },
};

/** Writes the project (root manifest, workspace `packages/ws-a`, `local-pkg/`) into `dir`. */
export function writeProject(dir: string): void {
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(ROOT_MANIFEST, null, 2)}\n`);
  mkdirSync(join(dir, 'packages', 'ws-a'), { recursive: true });
  writeFileSync(
    join(dir, 'packages', 'ws-a', 'package.json'),
    `${JSON.stringify({ name: 'ws-a', version: '1.0.0', dependencies: { 'ws-dep': '^1.0.0' } }, null, 2)}\n`,
  );
  mkdirSync(join(dir, 'local-pkg'), { recursive: true });
  writeFileSync(join(dir, 'local-pkg', 'package.json'), `${JSON.stringify({ name: 'local-pkg', version: '1.0.0' }, null, 2)}\n`);
  writeFileSync(join(dir, 'local-pkg', 'index.js'), 'module.exports = 1;\n');
}
