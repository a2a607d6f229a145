// The dependency graph from lockfile entries alone: how each format's specs resolve when a name is
// installed at several versions, aliases, cycles, orphans and shortest paths. Inline lockfiles,
// each shaped so that a plainer rule (the highest version that fits) would give another answer.
import { describe, expect, test } from 'vitest';
import { buildGraph, type LockGraph } from '../../src/lockfile/graph.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import type { LockedPackage, Lockfile } from '../../src/lockfile/types.js';

const SRI = `sha512-${Buffer.alloc(64, 5).toString('base64')}`;
const tarball = (name: string, version: string): string => `https://registry.npmjs.org/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;

/** An npm v3 lockfile: `packages` keyed by install path, each `[name, version, dependencies]` or a raw record. */
function npmLock(root: Record<string, unknown>, entries: Record<string, [string, string, Record<string, string>?] | Record<string, unknown>>): string {
  const packages: Record<string, unknown> = { '': { name: 'root', version: '0.0.0', ...root } };
  for (const [key, entry] of Object.entries(entries)) {
    if (!Array.isArray(entry)) {
      packages[key] = entry;
      continue;
    }
    const [name, version, dependencies] = entry;
    const installName = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[key] = {
      ...(installName !== name ? { name } : {}),
      version,
      resolved: tarball(name, version),
      integrity: SRI,
      ...(dependencies ? { dependencies } : {}),
    };
  }
  return JSON.stringify({ name: 'root', lockfileVersion: 3, requires: true, packages }, null, 2);
}

/** A yarn classic entry; `name` is the package's, which the header names unless it is an alias. */
const yarnEntry = (header: string, version: string, dependencies: Record<string, string> = {}, name = header.replace(/^"/, '').split('@')[0] ?? ''): string[] => [
  `${header}:`,
  `  version "${version}"`,
  `  resolved "${tarball(name, version)}"`,
  `  integrity ${SRI}`,
  ...(Object.keys(dependencies).length > 0 ? ['  dependencies:', ...Object.entries(dependencies).map(([n, r]) => `    ${n} "${r}"`)] : []),
  '',
];
const yarnLock = (...entries: string[][]): string => ['# yarn lockfile v1', '', '', ...entries.flat()].join('\n');

const id = (p: LockedPackage): string => `${p.name}@${p.version}`;
const ids = (list: readonly LockedPackage[]): string[] => list.map(id);

/** The graph with lookups by `name@version`. */
function graphOf(lockfile: Lockfile): { graph: LockGraph; pkg: (ref: string) => LockedPackage; deps: (ref: string) => string[] } {
  expect(lockfile.diagnostics).toEqual([]);
  const graph = buildGraph(lockfile);
  const pkg = (ref: string): LockedPackage => {
    const found = lockfile.packages.find((p) => id(p) === ref);
    if (!found) throw new Error(`${ref} is not in the lockfile (${ids(lockfile.packages).join(', ')})`);
    return found;
  };
  return { graph, pkg, deps: (ref) => ids(graph.dependenciesOf(pkg(ref))) };
}

describe('npm: node_modules lookup from the dependent', () => {
  const text = npmLock(
    { dependencies: { a: '^1.0.0', c: '^1.0.0', d: '^1.5.0', '@s/x': '^1.0.0', e: '^2.0.0' }, workspaces: ['packages/*'] },
    {
      'node_modules/a': ['a', '1.0.0', { b: '^1.0.0', d: '^1.0.0' }],
      'node_modules/a/node_modules/b': ['b', '1.0.0', { d: '^1.0.0' }],
      'node_modules/a/node_modules/d': ['d', '1.0.0'],
      'node_modules/c': ['c', '1.0.0', { d: '~1.0.0' }],
      // The same d@1.0.0 again: merged into the entry under a, so this path is not a key any more.
      'node_modules/c/node_modules/d': ['d', '1.0.0'],
      'node_modules/d': ['d', '1.5.0'],
      'node_modules/@s/x': ['@s/x', '1.0.0', { e: '^1.0.0', '@s/y': '^1.0.0' }],
      'node_modules/@s/x/node_modules/@s/y': ['@s/y', '1.0.0', { g: '*' }],
      'node_modules/@s/x/node_modules/e': ['e', '1.0.0'],
      'node_modules/@s/x/node_modules/g': ['g', '1.0.0'],
      'node_modules/e': ['e', '2.0.0', { g: '*' }],
      'node_modules/g': ['g', '2.0.0'],
      'node_modules/ws': { resolved: 'packages/ws', link: true },
      'packages/ws': { name: 'ws', version: '1.0.0', dependencies: { d: '^1.0.0' } },
      'packages/ws/node_modules/d': ['d', '1.2.0'],
    },
  );
  const { graph, pkg, deps } = graphOf(parseLockfile(text, 'package-lock.json'));

  test('a nested copy shadows the top-level one, one level up or two', () => {
    expect(deps('a@1.0.0')).toEqual(['b@1.0.0', 'd@1.0.0']);
    expect(deps('b@1.0.0')).toEqual(['d@1.0.0']);
  });

  test('scoped parents: node_modules/@s/x/node_modules/@s/y looks in node_modules/@s/x/node_modules next', () => {
    expect(deps('@s/y@1.0.0')).toEqual(['g@1.0.0']);
    expect(deps('e@2.0.0')).toEqual(['g@2.0.0']);
  });

  test('a copy merged away: the version lookup finds (1.5.0) is not allowed by ~1.0.0, so the one that is', () => {
    expect(deps('c@1.0.0')).toEqual(['d@1.0.0']);
  });

  test('a workspace looks in its own folder first', () => {
    expect(pkg('ws@1.0.0').source).toBe('workspace');
    expect(deps('ws@1.0.0')).toEqual(['d@1.2.0']);
  });

  test('roots are the root record, then the workspaces; paths are shortest from them', () => {
    expect(ids(graph.roots())).toEqual(['a@1.0.0', 'c@1.0.0', 'd@1.5.0', '@s/x@1.0.0', 'e@2.0.0', 'ws@1.0.0']);
    expect(graph.pathTo(pkg('d@1.0.0'))).toEqual(['a@1.0.0', 'd@1.0.0']);
    expect(graph.pathTo(pkg('d@1.2.0'))).toEqual(['ws@1.0.0', 'd@1.2.0']);
    expect(graph.pathTo(pkg('g@1.0.0'))).toEqual(['@s/x@1.0.0', '@s/y@1.0.0', 'g@1.0.0']);
    expect(graph.pathTo(pkg('g@2.0.0'))).toEqual(['e@2.0.0', 'g@2.0.0']);
    expect(graph.pathTo(pkg('d@1.5.0'))).toEqual(['d@1.5.0']);
  });
});

describe('pnpm: exact versions, peer suffixes dropped', () => {
  // app depends on b@1.0.0 with a resolved peer; b@2.0.0 is the highest b, and the wrong one.
  const lockfiles: [string, string][] = [
    [
      '5.4',
      `lockfileVersion: 5.4

specifiers:
  app: ^1.0.0
  b: ^2.0.0

dependencies:
  app: 1.0.0
  b: 2.0.0

packages:

  /app/1.0.0:
    resolution: {integrity: ${SRI}}
    dependencies:
      b: 1.0.0_peer@1.0.0
      peer: 1.0.0
    dev: false

  /b/1.0.0_peer@1.0.0:
    resolution: {integrity: ${SRI}}
    peerDependencies:
      peer: ^1.0.0
    dependencies:
      peer: 1.0.0
    dev: false

  /b/2.0.0:
    resolution: {integrity: ${SRI}}
    dev: false

  /peer/1.0.0:
    resolution: {integrity: ${SRI}}
    dev: false
`,
    ],
    [
      '6.0',
      `lockfileVersion: '6.0'

dependencies:
  app:
    specifier: ^1.0.0
    version: 1.0.0
  b:
    specifier: ^2.0.0
    version: 2.0.0

packages:

  /app@1.0.0:
    resolution: {integrity: ${SRI}}
    dependencies:
      b: 1.0.0(peer@1.0.0)
      peer: 1.0.0
    dev: false

  /b@1.0.0(peer@1.0.0):
    resolution: {integrity: ${SRI}}
    peerDependencies:
      peer: ^1.0.0
    dependencies:
      peer: 1.0.0
    dev: false

  /b@2.0.0:
    resolution: {integrity: ${SRI}}
    dev: false

  /peer@1.0.0:
    resolution: {integrity: ${SRI}}
    dev: false
`,
    ],
    [
      '9.0',
      `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      app:
        specifier: ^1.0.0
        version: 1.0.0
      b:
        specifier: ^2.0.0
        version: 2.0.0

packages:

  app@1.0.0:
    resolution: {integrity: ${SRI}}

  b@1.0.0:
    resolution: {integrity: ${SRI}}
    peerDependencies:
      peer: ^1.0.0

  b@2.0.0:
    resolution: {integrity: ${SRI}}

  peer@1.0.0:
    resolution: {integrity: ${SRI}}

snapshots:

  app@1.0.0:
    dependencies:
      b: 1.0.0(peer@1.0.0)
      peer: 1.0.0

  b@1.0.0(peer@1.0.0):
    dependencies:
      peer: 1.0.0

  b@2.0.0: {}

  peer@1.0.0: {}
`,
    ],
  ];

  test.each(lockfiles)('lockfileVersion %s', (_version, text) => {
    const lockfile = parseLockfile(text, 'pnpm-lock.yaml');
    const { graph, pkg, deps } = graphOf(lockfile);
    expect(lockfile.root).toEqual({ app: '1.0.0', b: '2.0.0' });
    expect(pkg('app@1.0.0').dependencies).toEqual({ b: '1.0.0', peer: '1.0.0' });
    // A resolved peer is an ordinary dependency of the peer-bound copy.
    expect(pkg('b@1.0.0').dependencies).toEqual({ peer: '1.0.0' });
    expect(deps('app@1.0.0')).toEqual(['b@1.0.0', 'peer@1.0.0']);
    expect(graph.pathTo(pkg('b@1.0.0'))).toEqual(['app@1.0.0', 'b@1.0.0']);
    expect(graph.pathTo(pkg('peer@1.0.0'))).toEqual(['app@1.0.0', 'peer@1.0.0']);
    expect(graph.pathTo(pkg('b@2.0.0'))).toEqual(['b@2.0.0']);
  });
});

describe('yarn: the entry keyed by the descriptor, else the highest version that fits', () => {
  test('classic: x@^1.0.0 is 1.2.5 even though 1.3.0 fits; ranges no header names fall back to semver', () => {
    const text = yarnLock(
      yarnEntry('app@^1.0.0', '1.0.0', { x: '^1.0.0', y: '^1.1.0' }),
      yarnEntry('other@^1.0.0', '1.0.0', { x: '~1.2.0' }),
      yarnEntry('third@^1.0.0', '1.0.0', { x: '>=1.3.0 <2' }),
      yarnEntry('x@^1.0.0', '1.2.5'),
      yarnEntry('x@^1.3.0', '1.3.0'),
      yarnEntry('x@^2.0.0', '2.0.0'),
      // Only the first descriptor of a header is the entry's key: y@^1.1.0 resolves by version.
      yarnEntry('"y@^1.0.0", "y@^1.1.0"', '1.1.0'),
      yarnEntry('y@^0.5.0', '0.5.0'),
    );
    const manifest = { dependencies: { app: '^1.0.0', other: '^1.0.0', third: '^1.0.0', x: '^2.0.0', y: '^0.5.0' } };
    const { graph, pkg, deps } = graphOf(parseLockfile(text, 'yarn.lock', { rootManifest: manifest }));
    expect(deps('app@1.0.0')).toEqual(['x@1.2.5', 'y@1.1.0']);
    expect(deps('other@1.0.0')).toEqual(['x@1.2.5']);
    expect(deps('third@1.0.0')).toEqual(['x@1.3.0']);
    expect(ids(graph.roots())).toEqual(['app@1.0.0', 'other@1.0.0', 'third@1.0.0', 'x@2.0.0', 'y@0.5.0']);
    expect(graph.pathTo(pkg('x@1.3.0'))).toEqual(['third@1.0.0', 'x@1.3.0']);
  });

  test('berry: every descriptor of a key is looked up; `npm:` ranges are ranges', () => {
    const entry = (key: string, resolution: string, version: string, dependencies: Record<string, string> = {}): string[] => [
      `"${key}":`,
      `  version: ${version}`,
      `  resolution: "${resolution}"`,
      ...(Object.keys(dependencies).length > 0 ? ['  dependencies:', ...Object.entries(dependencies).map(([n, r]) => `    ${n}: "${r}"`)] : []),
      '  languageName: node',
      '  linkType: hard',
      '',
    ];
    const text = [
      '__metadata:',
      '  version: 8',
      '',
      ...entry('app@npm:^1.0.0', 'app@npm:1.0.0', '1.0.0', { x: 'npm:^1.0.0' }),
      ...entry('other@npm:^1.0.0', 'other@npm:1.0.0', '1.0.0', { x: 'npm:^1.3.0' }),
      ...entry('root@workspace:.', 'root@workspace:.', '0.0.0-use.local', { app: 'npm:^1.0.0', other: 'npm:^1.0.0' }),
      ...entry('x@npm:~1.2.0, x@npm:^1.0.0', 'x@npm:1.2.5', '1.2.5'),
      ...entry('x@npm:^1.3.0', 'x@npm:1.3.0', '1.3.0'),
    ].join('\n');
    const { graph, pkg, deps } = graphOf(parseLockfile(text, 'yarn.lock', { rootManifest: {} }));
    expect(deps('app@1.0.0')).toEqual(['x@1.2.5']);
    expect(deps('other@1.0.0')).toEqual(['x@1.3.0']);
    expect(graph.pathTo(pkg('x@1.2.5'))).toEqual(['app@1.0.0', 'x@1.2.5']);
  });
});

describe('aliases resolve by the name they are installed under', () => {
  test('npm: an alias and the real package at two versions; a second alias name falls back to the target', () => {
    const text = npmLock(
      { dependencies: { 'alias-name': 'npm:real@^1.0.0', real: '^2.0.0', user: '^1.0.0' } },
      {
        'node_modules/alias-name': ['real', '1.1.0'],
        'node_modules/real': ['real', '2.0.0'],
        'node_modules/user': ['user', '1.0.0', { 'my-real': 'npm:real@^1.0.0', real: '^2.0.0' }],
        'node_modules/user/node_modules/my-real': ['real', '1.1.0'],
      },
    );
    const { graph, pkg, deps } = graphOf(parseLockfile(text, 'package-lock.json'));
    expect(pkg('real@1.1.0').alias).toBe('alias-name');
    expect(ids(graph.roots())).toEqual(['real@1.1.0', 'real@2.0.0', 'user@1.0.0']);
    expect(deps('user@1.0.0')).toEqual(['real@1.1.0', 'real@2.0.0']);
    expect(graph.pathTo(pkg('real@1.1.0'))).toEqual(['real@1.1.0']);
  });

  test('pnpm: `npm:real@1.1.0`, also for a second alias of the same package', () => {
    const text = `lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      alias-a:
        specifier: npm:real@^1.0.0
        version: real@1.1.0
      real:
        specifier: ^2.0.0
        version: 2.0.0
      user:
        specifier: ^1.0.0
        version: 1.0.0

packages:

  real@1.1.0:
    resolution: {integrity: ${SRI}}

  real@2.0.0:
    resolution: {integrity: ${SRI}}

  user@1.0.0:
    resolution: {integrity: ${SRI}}

snapshots:

  real@1.1.0: {}

  real@2.0.0: {}

  user@1.0.0:
    dependencies:
      alias-b: real@1.1.0
`;
    const lockfile = parseLockfile(text, 'pnpm-lock.yaml');
    const { graph, pkg, deps } = graphOf(lockfile);
    expect(lockfile.root).toEqual({ 'alias-a': 'npm:real@1.1.0', real: '2.0.0', user: '1.0.0' });
    expect(pkg('user@1.0.0').dependencies).toEqual({ 'alias-b': 'npm:real@1.1.0' });
    expect(deps('user@1.0.0')).toEqual(['real@1.1.0']);
    expect(ids(graph.roots())).toEqual(['real@1.1.0', 'real@2.0.0', 'user@1.0.0']);
  });

  test('yarn classic: `alias@npm:real@^1` beside real@^2', () => {
    const text = yarnLock(
      yarnEntry('"alias-name@npm:real@^1.0.0"', '1.1.0', {}, 'real'),
      yarnEntry('real@^2.0.0', '2.0.0'),
      yarnEntry('user@^1.0.0', '1.0.0', { 'alias-name': 'npm:real@^1.0.0', real: '^2.0.0' }),
    );
    const { graph, deps } = graphOf(parseLockfile(text, 'yarn.lock', { rootManifest: { dependencies: { 'alias-name': 'npm:real@^1.0.0', user: '^1.0.0' } } }));
    expect(deps('user@1.0.0')).toEqual(['real@1.1.0', 'real@2.0.0']);
    expect(ids(graph.roots())).toEqual(['real@1.1.0', 'user@1.0.0']);
  });
});

describe('walks', () => {
  // root → a; a → b, d, missing; b → c; c → a (a cycle), e; d → e; orphan depends on a.
  const text = yarnLock(
    yarnEntry('a@^1.0.0', '1.0.0', { b: '^1.0.0', d: '^1.0.0', missing: '^1.0.0' }),
    yarnEntry('b@^1.0.0', '1.0.0', { c: '^1.0.0' }),
    yarnEntry('c@^1.0.0', '1.0.0', { a: '^1.0.0', e: '^1.0.0' }),
    yarnEntry('d@^1.0.0', '1.0.0', { e: '^1.0.0' }),
    yarnEntry('e@^1.0.0', '1.0.0'),
    yarnEntry('orphan@^1.0.0', '1.0.0', { a: '^1.0.0' }),
  );
  const { graph, pkg, deps } = graphOf(parseLockfile(text, 'yarn.lock', { rootManifest: { dependencies: { a: '^1.0.0' } } }));

  test('names with no locked package are skipped', () => {
    expect(deps('a@1.0.0')).toEqual(['b@1.0.0', 'd@1.0.0']);
  });

  test('cycles end: paths and subtrees visit each package once', () => {
    expect(deps('c@1.0.0')).toEqual(['a@1.0.0', 'e@1.0.0']);
    expect(graph.pathTo(pkg('c@1.0.0'))).toEqual(['a@1.0.0', 'b@1.0.0', 'c@1.0.0']);
    expect(graph.subtree(pkg('c@1.0.0')).map(({ pkg: p, via }) => [id(p), via])).toEqual([
      ['a@1.0.0', ['a@1.0.0']],
      ['e@1.0.0', ['e@1.0.0']],
      ['b@1.0.0', ['a@1.0.0', 'b@1.0.0']],
      ['d@1.0.0', ['a@1.0.0', 'd@1.0.0']],
    ]);
  });

  test('subtree: breadth-first, the package itself excluded, each via its shortest path', () => {
    expect(graph.subtree(pkg('a@1.0.0')).map(({ pkg: p, via }) => [id(p), via])).toEqual([
      ['b@1.0.0', ['b@1.0.0']],
      ['d@1.0.0', ['d@1.0.0']],
      ['c@1.0.0', ['b@1.0.0', 'c@1.0.0']],
      // Through d (two steps), not through b and c (three).
      ['e@1.0.0', ['d@1.0.0', 'e@1.0.0']],
    ]);
    expect(graph.pathTo(pkg('e@1.0.0'))).toEqual(['a@1.0.0', 'd@1.0.0', 'e@1.0.0']);
  });

  test('a package nothing depends on: its path is itself, and it is no root', () => {
    expect(graph.pathTo(pkg('orphan@1.0.0'))).toEqual(['orphan@1.0.0']);
    expect(ids(graph.roots())).toEqual(['a@1.0.0']);
    expect(graph.subtree(pkg('orphan@1.0.0')).map(({ pkg: p }) => id(p))).toEqual(['a@1.0.0', 'b@1.0.0', 'd@1.0.0', 'c@1.0.0', 'e@1.0.0']);
    expect(graph.subtree(pkg('e@1.0.0'))).toEqual([]);
  });

  test('answers are copies: changing one does not change the next', () => {
    graph.pathTo(pkg('c@1.0.0')).push('x');
    graph.roots().pop();
    graph.dependenciesOf(pkg('a@1.0.0')).pop();
    expect(graph.pathTo(pkg('c@1.0.0'))).toEqual(['a@1.0.0', 'b@1.0.0', 'c@1.0.0']);
    expect(ids(graph.roots())).toEqual(['a@1.0.0']);
    expect(deps('a@1.0.0')).toEqual(['b@1.0.0', 'd@1.0.0']);
  });
});

test('5,000 packages with 200 shadowing nested copies: every shortest path (speed is in the benchmark, not here)', () => {
  // A binary tree of p0…p4999 under the root, each also depending on `shared`, of which 200
  // nested copies at another version shadow the top-level one (node_modules lookup per edge).
  const N = 5000;
  const entries: Record<string, [string, string, Record<string, string>]> = {};
  const keyOf = new Map<number, string>([[0, 'node_modules/p0']]);
  for (let i = 0; i < N; i++) {
    const deps: Record<string, string> = { shared: '*' };
    for (const child of [2 * i + 1, 2 * i + 2]) if (child < N) deps[`p${child}`] = '^1.0.0';
    entries[keyOf.get(i) ?? `node_modules/p${i}`] = [`p${i}`, '1.0.0', deps];
    for (const child of [2 * i + 1, 2 * i + 2]) if (child < N) keyOf.set(child, `node_modules/p${child}`);
  }
  for (let i = 0; i < 200; i++) entries[`node_modules/p${i}/node_modules/shared`] = ['shared', `1.0.${i}`, {}];
  entries['node_modules/shared'] = ['shared', '2.0.0', {}];
  const lockfile = parseLockfile(npmLock({ dependencies: { p0: '^1.0.0' } }, entries), 'package-lock.json');
  expect(lockfile.packages).toHaveLength(N + 201);
  const graph = buildGraph(lockfile);
  const paths = lockfile.packages.map((p) => graph.pathTo(p));
  const byId = new Map(lockfile.packages.map((p, i) => [id(p), paths[i]]));
  const chain = (...n: number[]): string[] => n.map((i) => `p${i}@1.0.0`);
  // The parent of p(i) is p((i - 1) / 2), rounded down.
  expect(byId.get('p4999@1.0.0')).toEqual(chain(0, 1, 3, 8, 18, 38, 77, 155, 311, 624, 1249, 2499, 4999));
  expect(byId.get('shared@1.0.7')).toEqual([...chain(0, 1, 3, 7), 'shared@1.0.7']);
  // Breadth-first visits p(i) in index order: p200 is the first without a nested copy.
  expect(byId.get('shared@2.0.0')).toEqual([...chain(0, 2, 5, 11, 24, 49, 99, 200), 'shared@2.0.0']);
});
