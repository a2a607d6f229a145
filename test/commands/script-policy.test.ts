/** The gate's policy as a judge of install scripts: what `depcaps scripts` counts as allowed by it. */
import { describe, expect, it } from 'vitest';
import { scriptPolicy } from '../../src/commands/scripts.js';
import { parsePolicy, type Policy } from '../../src/gate/policy.js';
import type { LockedPackage } from '../../src/lockfile/types.js';

function pkg(name: string, version = '1.0.0'): LockedPackage {
  return { name, version, source: 'registry', dev: false, optional: false, key: `node_modules/${name}`, line: 1 };
}

function policyOf(document: unknown): Policy {
  const { policy, problems } = parsePolicy(JSON.stringify(document));
  expect(problems).toEqual([]);
  return policy;
}

const APART = policyOf({
  default: { allow: ['env'], atInstall: ['env'] },
  packages: {
    esbuild: { allow: ['filesystem', 'install-script', 'network', 'shell'], atInstall: ['filesystem', 'install-script', 'network', 'shell'] },
    'dl-*': { allow: ['install-script', 'network'], atInstall: ['install-script'] },
    axios: { allow: ['network'] },
  },
  ignore: ['left-pad'],
});

describe('scriptPolicy', () => {
  const judge = scriptPolicy(APART);

  it.each<[string, string[], { allowed: boolean; notAllowed: string[]; rule: string }]>([
    // Everything its install-time code does is allowed at install, the script itself included.
    ['esbuild', ['env', 'filesystem', 'install-script', 'network', 'shell'], { rule: 'esbuild', allowed: true, notAllowed: [] }],
    // Network allowed at run time, not at install.
    ['dl-tool', ['install-script', 'network'], { rule: 'dl-*', allowed: false, notAllowed: ['network'] }],
    // No entry allows install-script: not even a script that does nothing else may run.
    ['axios', ['install-script'], { rule: 'axios', allowed: false, notAllowed: ['install-script'] }],
    ['other', ['install-script', 'env'], { rule: 'default', allowed: false, notAllowed: ['install-script'] }],
    // A `prepare`-only git package has no install-script finding: running scripts still needs it allowed.
    ['dl-git', ['shell'], { rule: 'dl-*', allowed: false, notAllowed: ['shell'] }],
    ['git-hooks', [], { rule: 'default', allowed: false, notAllowed: ['install-script'] }],
  ])('%s with install-time %j', (name, capabilities, verdict) => {
    expect(judge(pkg(name), { capabilities, status: 'ok' })).toEqual(verdict);
  });

  it('never vouches for an ignored package or one not fully analysed', () => {
    expect(judge(pkg('left-pad'), { capabilities: ['install-script'], status: 'ok' })).toEqual({
      rule: 'left-pad', allowed: false, notAllowed: [], reason: 'ignored by the policy: it vouches for nothing',
    });
    expect(judge(pkg('esbuild'), { capabilities: ['install-script'], status: 'partial' })).toMatchObject({ rule: 'esbuild', allowed: false, notAllowed: [], reason: expect.stringMatching(/^not fully analysed/) });
  });

  it('a policy without atInstall: what allow allows is allowed at install', () => {
    const old = scriptPolicy(policyOf({ packages: { esbuild: { allow: ['install-script', 'network', 'shell'] } } }));
    expect(old(pkg('esbuild'), { capabilities: ['install-script', 'network', 'shell'], status: 'ok' })).toEqual({ rule: 'esbuild', allowed: true, notAllowed: [] });
    expect(old(pkg('esbuild'), { capabilities: ['install-script', 'eval'], status: 'ok' })).toEqual({ rule: 'esbuild', allowed: false, notAllowed: ['eval'] });
  });
});
