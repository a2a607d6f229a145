// Optional flags yarn does not record: fixtures/yarn-{classic,berry}-optional/yarn.lock were written
// by yarn 1.22.22 and yarn 4.18.1 from the optional project (optional-project.ts, fixtures/README.md),
// where `tool` (like esbuild) pulls its platform packages in through `optionalDependencies` and is
// itself only a workspace's dependency.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditLockfile } from '../../src/commands/audit.js';
import { classifyGraph, NO_MANIFEST_MESSAGE, type Edge } from '../../src/lockfile/classify.js';
import { readLockfile } from '../../src/lockfile/index.js';
import { parseYarnBerry } from '../../src/lockfile/yarn-berry.js';
import { parseYarnClassic } from '../../src/lockfile/yarn-classic.js';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { OPTIONAL_PACKAGES } from './optional-project.js';
import { diagnosticRows } from './rows.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const CLASSIC = join(FIXTURES, 'yarn-classic-optional', 'yarn.lock');
const BERRY = join(FIXTURES, 'yarn-berry-optional', 'yarn.lock');

/** `name dev optional` per package, sorted. */
const flags = (packages: readonly { name: string; dev: boolean; optional: boolean }[]): string[] =>
  packages.map((p) => [p.name, ...(p.dev ? ['dev'] : []), ...(p.optional ? ['optional'] : [])].join(' ')).sort();

const EXPECTED = [
  'devtool dev',
  'devtool-native dev optional',
  'direct',
  'helper',
  'linux-helper optional',
  'tool',
  'tool-darwin optional',
  'tool-linux optional',
];

describe('optional only through a parent\'s optionalDependencies', () => {
  test('yarn classic: from the entries\' optionalDependencies, also under a workspace classic does not record', async () => {
    const lockfile = await readLockfile(CLASSIC);
    expect(flags(lockfile.packages)).toEqual(EXPECTED);
    expect(diagnosticRows(lockfile)).toEqual([]);
  });

  test('yarn berry: from dependenciesMeta optional', async () => {
    const lockfile = await readLockfile(BERRY);
    expect(flags(lockfile.packages.filter((p) => p.source !== 'workspace'))).toEqual(EXPECTED);
  });

  test('without a package.json: optional still comes from the lockfile, dev is unknown (said once)', () => {
    const withoutDev = EXPECTED.map((r) => r.replace(' dev', '')).sort();
    const classic = parseYarnClassic(readFileSync(CLASSIC, 'utf8'), CLASSIC, {});
    expect(flags(classic.packages)).toEqual(withoutDev);
    expect(diagnosticRows(classic)).toEqual([`L- : ${NO_MANIFEST_MESSAGE}`]);
    const berry = parseYarnBerry(readFileSync(BERRY, 'utf8'), BERRY, {});
    expect(flags(berry.packages.filter((p) => p.source !== 'workspace'))).toEqual(withoutDev);
  });
});

describe('classifyGraph over nodes the roots do not reach', () => {
  const graph: Record<string, Edge[]> = {
    top: [{ to: 'req', optional: false }, { to: 'opt', optional: true }],
    opt: [{ to: 'under-opt', optional: false }, { to: 'req', optional: false }],
    'cycle-a': [{ to: 'cycle-b', optional: true }],
    'cycle-b': [{ to: 'cycle-a', optional: false }],
  };
  const edgesOf = (id: string) => graph[id] ?? [];
  const ids = ['top', 'req', 'opt', 'under-opt', 'cycle-a', 'cycle-b', 'root-dep'];

  test('what nothing depends on is a required root; what only optional edges reach is optional; cycles stay unclassified', () => {
    const out = classifyGraph({ prod: [{ to: 'root-dep', optional: false }], dev: [] }, edgesOf, ids);
    expect(Object.fromEntries(out)).toEqual({
      'root-dep': { dev: false, optional: false },
      top: { dev: false, optional: false },
      req: { dev: false, optional: false },
      opt: { dev: false, optional: true },
      'under-opt': { dev: false, optional: true },
    });
  });

  test('without `all`, only what the roots reach is classified', () => {
    expect([...classifyGraph({ prod: [], dev: [] }, edgesOf).keys()]).toEqual([]);
  });
});

describe('audit --omit optional on yarn lockfiles', () => {
  let registry: LocalRegistry;
  let tmp: TmpEnv;
  beforeAll(async () => {
    registry = await startRegistry({ packages: OPTIONAL_PACKAGES });
    tmp = makeTmpEnv({ DEPCAPS_FETCH_RETRIES: '0' });
  });
  afterAll(async () => {
    await registry.close();
    tmp.cleanup();
  });

  test.each([
    ['yarn classic', CLASSIC],
    ['yarn berry', BERRY],
  ])('%s: the optional platform packages are skipped', async (_, fixture) => {
    // The classic fixture's resolved URLs name the registry that generated it: point them at this one.
    const text = readFileSync(fixture, 'utf8').replace(/http:\/\/127\.0\.0\.1:\d+\//g, registry.url);
    writeFileSync(join(tmp.project, 'yarn.lock'), text);
    copyFileSync(join(fixture, '..', 'package.json'), join(tmp.project, 'package.json'));
    const report = await auditLockfile(join(tmp.project, 'yarn.lock'), { env: tmp.env, cwd: tmp.project, registry: registry.url, omit: ['optional'] });
    expect(report.packages.filter((p) => p.source === 'registry').map((p) => `${p.name} ${p.status}`).sort()).toEqual(['devtool ok', 'direct ok', 'helper ok', 'tool ok']);
  });
});
