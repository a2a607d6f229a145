// Regenerates the yarn and pnpm lockfile fixtures with the real tools against the local registry.
// Skipped unless asked for: the tools come from the public npm registry through npx, which the
// test suite must not need. Run:
//   DEPCAPS_REGENERATE_LOCKFILES=1 npx vitest run test/lockfile/generate-fixtures.test.ts
// then update the expectations and fixtures/README.md if anything changed.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { startRegistry, type LocalRegistry } from '../helpers/local-registry.js';
import { makeTmpEnv, type TmpEnv } from '../helpers/tmp-env.js';
import { OPTIONAL_PACKAGES, writeOptionalProject } from './optional-project.js';
import { REGISTRY_PACKAGES, writeProject } from './project.js';
import { runTool } from './tools.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const enabled = process.env['DEPCAPS_REGENERATE_LOCKFILES'] === '1';

/** Tool versions pinned so a regeneration is reproducible. */
const TOOLS = {
  yarnClassic: 'yarn@1.22.22',
  yarnBerry: '@yarnpkg/cli-dist@4.18.1',
  pnpm7: 'pnpm@7.33.7',
  pnpm8: 'pnpm@8.15.9',
  pnpm9: 'pnpm@9.15.9',
};

describe.skipIf(!enabled)('regenerate lockfile fixtures', () => {
  let registry: LocalRegistry;
  const envs: TmpEnv[] = [];
  beforeAll(async () => {
    registry = await startRegistry({ packages: { ...REGISTRY_PACKAGES, ...OPTIONAL_PACKAGES } });
  });
  afterAll(async () => {
    await registry.close();
    for (const env of envs) env.cleanup();
  });

  const generate = async (fixture: string, lockName: string, args: string[], setup?: (dir: string) => void, project = writeProject): Promise<void> => {
    const env = makeTmpEnv({ npm_config_update_notifier: 'false' });
    envs.push(env);
    project(env.project);
    setup?.(env.project);
    await runTool('npx', ['--yes', ...args], { cwd: env.project, env: env.env, timeoutMs: 300_000 });
    const out = join(FIXTURES, fixture);
    mkdirSync(out, { recursive: true });
    copyFileSync(join(env.project, lockName), join(out, lockName));
    copyFileSync(join(env.project, 'package.json'), join(out, 'package.json'));
  };
  const pnpmWorkspace = (dir: string): void => writeFileSync(join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");

  test('yarn classic', async () => {
    await generate('yarn-classic', 'yarn.lock', [TOOLS.yarnClassic, 'install', '--registry', registry.url, '--ignore-scripts', '--non-interactive', '--no-progress']);
  });
  const yarnrc = (dir: string): void =>
    writeFileSync(
      join(dir, '.yarnrc.yml'),
      `npmRegistryServer: "${registry.url.replace(/\/$/, '')}"\nunsafeHttpWhitelist:\n  - "127.0.0.1"\nenableTelemetry: false\nenableGlobalCache: false\n`,
    );
  test('yarn berry', async () => {
    await generate('yarn-berry', 'yarn.lock', [TOOLS.yarnBerry, 'install', '--mode=update-lockfile'], yarnrc);
  });
  test('yarn classic, optional project', async () => {
    await generate('yarn-classic-optional', 'yarn.lock', [TOOLS.yarnClassic, 'install', '--registry', registry.url, '--ignore-scripts', '--non-interactive', '--no-progress'], undefined, writeOptionalProject);
  });
  test('yarn berry, optional project', async () => {
    await generate('yarn-berry-optional', 'yarn.lock', [TOOLS.yarnBerry, 'install', '--mode=update-lockfile'], yarnrc, writeOptionalProject);
  });
  for (const [fixture, tool] of [
    ['pnpm-v5', TOOLS.pnpm7],
    ['pnpm-v6', TOOLS.pnpm8],
    ['pnpm-v9', TOOLS.pnpm9],
  ] as const) {
    test(fixture, async () => {
      await generate(fixture, 'pnpm-lock.yaml', [tool, 'install', '--lockfile-only', '--registry', registry.url, '--ignore-scripts'], pnpmWorkspace);
    });
  }
});
