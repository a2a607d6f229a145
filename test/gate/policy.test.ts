import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, test } from 'vitest';
import { catalog } from '../../capabilities/index.js';
import { DepcapsError } from '../../src/errors.js';
import { emptyPolicy, initPolicy, loadPolicy, matchPolicy, parsePolicy, type Policy, type PolicyProblem } from '../../src/gate/policy.js';

const EXAMPLE = `{
  "$schema": "https://unpkg.com/depcaps/schema/depcaps.policy.schema.json",
  "version": 1,
  "default": { "allow": ["env", "filesystem"] },
  "packages": {
    "esbuild": { "allow": ["install-script", "native", "shell"], "reason": "build tool; postinstall picks the platform binary" },
    "axios@^1": { "allow": ["network"] },
    "@types/*": { "allow": [] }
  },
  "ignore": ["left-pad", { "package": "@acme/*", "reason": "our own packages" }]
}
`;

/** Parses a policy that must have no problems at all. */
function policyOf(document: unknown): Policy {
  const { policy, problems } = parsePolicy(typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  expect(problems).toEqual([]);
  return policy;
}

/** `name@version → rule` for each case, so a table compares in one assertion. */
function rulesOf(policy: Policy, cases: readonly (readonly [string, string])[]): string[] {
  return cases.map(([name, version]) => `${name}@${version} → ${matchPolicy(policy, name, version).rule}`);
}

/** Runs `fn`, which must throw a DepcapsError, and returns that error. */
function thrown(fn: () => unknown): DepcapsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DepcapsError);
    return err as DepcapsError;
  }
  throw new Error('expected a DepcapsError');
}

const errorsOf = (problems: readonly PolicyProblem[]): PolicyProblem[] => problems.filter((p) => p.severity === 'error');

const dir = mkdtempSync(join(tmpdir(), 'depcaps-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsePolicy', () => {
  test('reads the documented example without problems, keeping file order', () => {
    const { policy, problems } = parsePolicy(EXAMPLE, 'depcaps.policy.json');
    expect(problems).toEqual([]);
    expect(policy.path).toBe('depcaps.policy.json');
    expect(policy.version).toBe(1);
    expect(policy.default).toEqual({ allow: ['env', 'filesystem'] });
    expect(policy.entries.map((e) => [e.key, e.pattern.kind, e.allow, e.reason])).toEqual([
      ['esbuild', 'name', ['install-script', 'native', 'shell'], 'build tool; postinstall picks the platform binary'],
      ['axios@^1', 'range', ['network'], undefined],
      ['@types/*', 'glob', [], undefined],
    ]);
    expect(policy.ignore.map((i) => [i.key, i.reason])).toEqual([
      ['left-pad', undefined],
      ['@acme/*', 'our own packages'],
    ]);
  });

  test('version and default are optional: version 1, default allow []', () => {
    const policy = policyOf({ packages: { a: { allow: ['eval'] } } });
    expect(policy.version).toBe(1);
    expect(policy.default).toEqual({ allow: [] });
    expect(matchPolicy(policy, 'b', '1.0.0')).toEqual({ rule: 'default', allowed: [] });
  });

  test('unknown keys at every level are errors naming the key, its pointer, line and column', () => {
    const text = `{
  "version": 1,
  "defualt": { "allow": [] },
  "default": { "allow": [], "deny": ["eval"] },
  "packages": {
    "axios": { "allow": ["network"], "alow": ["env"] }
  },
  "ignore": ["left-pad", { "package": "left-pad", "because": "x" }]
}
`;
    expect(parsePolicy(text).problems).toEqual([
      { path: '/defualt', line: 3, column: 3, severity: 'error', message: 'unknown key "defualt" at /defualt (the policy takes $schema, version, default, packages, ignore)' },
      { path: '/default/deny', line: 4, column: 29, severity: 'error', message: 'unknown key "deny" at /default/deny (default takes allow, atInstall)' },
      { path: '/packages/axios/alow', line: 6, column: 38, severity: 'error', message: 'unknown key "alow" at /packages/axios/alow (an entry takes allow, atInstall, reason)' },
      { path: '/ignore/1/because', line: 8, column: 51, severity: 'error', message: 'unknown key "because" at /ignore/1/because (an ignore entry takes package, reason)' },
    ]);
  });

  // One line each, so the column is the offset of the offending token plus one.
  const invalid: { name: string; text: string; problems: Omit<PolicyProblem, 'line'>[] }[] = [
    {
      name: 'unknown capability',
      text: '{"packages": {"axios": {"allow": ["netwrk"]}}}',
      problems: [{ path: '/packages/axios/allow/0', column: 35, severity: 'error', message: 'unknown capability "netwrk" (capabilities: dynamic-require, env, eval, filesystem, global-tamper, install-script, native, network, obfuscated, shell)' }],
    },
    {
      name: 'unknown capability in default',
      text: '{"default": {"allow": ["env", "fs"]}}',
      problems: [{ path: '/default/allow/1', column: 31, severity: 'error', message: 'unknown capability "fs" (capabilities: dynamic-require, env, eval, filesystem, global-tamper, install-script, native, network, obfuscated, shell)' }],
    },
    {
      name: 'invalid semver range (a dist-tag is not a range)',
      text: '{"packages": {"axios@latest": {"allow": []}}}',
      problems: [{ path: '/packages/axios@latest', column: 15, severity: 'error', message: 'invalid semver range "latest"' }],
    },
    {
      name: 'empty range',
      text: '{"packages": {"@s/n@": {"allow": []}}}',
      problems: [{ path: '/packages/@s~1n@', column: 15, severity: 'error', message: 'empty version range after "@s/n@"' }],
    },
    {
      name: 'empty key',
      text: '{"packages": {"": {"allow": []}}}',
      problems: [{ path: '/packages/', column: 15, severity: 'error', message: 'empty package key; use a name, name@range or a glob' }],
    },
    {
      name: 'a glob with a range',
      text: '{"packages": {"@types/*@^1": {"allow": []}}}',
      problems: [{ path: '/packages/@types~1*@^1', column: 15, severity: 'error', message: 'the glob "@types/*" cannot have a version range' }],
    },
    {
      name: 'a scope without a name',
      text: '{"ignore": ["@acme"]}',
      problems: [{ path: '/ignore/0', column: 13, severity: 'error', message: '"@acme" is not a package name' }],
    },
    {
      name: 'duplicate keys (the first one is kept)',
      text: '{"packages": {"a": {"allow": ["env"]}, "a": {"allow": []}}}',
      problems: [{ path: '/packages/a', column: 40, severity: 'error', message: 'duplicate key "a" (first on line 1)' }],
    },
    {
      name: 'allow is not an array',
      text: '{"packages": {"a": {"allow": "env"}}}',
      problems: [{ path: '/packages/a/allow', column: 30, severity: 'error', message: 'allow must be an array, not string' }],
    },
    {
      name: 'allow holds a non-string, and a duplicate (warning)',
      text: '{"packages": {"a": {"allow": ["env", 3, "env"]}}}',
      problems: [
        { path: '/packages/a/allow/1', column: 38, severity: 'error', message: 'a capability id must be a string, not number' },
        { path: '/packages/a/allow/2', column: 41, severity: 'warning', message: '"env" is listed twice' },
      ],
    },
    {
      name: 'an entry without allow',
      text: '{"packages": {"a": {"reason": "x"}}}',
      problems: [{ path: '/packages/a', column: 15, severity: 'error', message: 'the entry "a" has no allow list' }],
    },
    {
      name: 'reason is not a string',
      text: '{"packages": {"a": {"allow": [], "reason": 1}}}',
      problems: [{ path: '/packages/a/reason', column: 44, severity: 'error', message: 'reason must be a string, not number' }],
    },
    {
      name: 'an ignore object without package',
      text: '{"ignore": [{"reason": "x"}]}',
      problems: [{ path: '/ignore/0', column: 13, severity: 'error', message: 'an ignore entry needs "package"' }],
    },
    {
      name: 'version 2',
      text: '{"version": 2}',
      problems: [{ path: '/version', column: 13, severity: 'error', message: 'unsupported policy version 2; this depcaps reads version 1' }],
    },
    {
      name: 'version as a string',
      text: '{"version": "1"}',
      problems: [{ path: '/version', column: 13, severity: 'error', message: 'version must be a number, not string' }],
    },
    {
      name: 'not an object',
      text: '[]',
      problems: [{ path: '', column: 1, severity: 'error', message: 'the policy must be an object, not array' }],
    },
    {
      name: 'trailing comma',
      text: '{ "packages": { "a": { "allow": [], } } }',
      problems: [{ path: '', column: 35, severity: 'error', message: 'trailing commas are not allowed in JSON' }],
    },
    {
      name: 'trailing comma in an array',
      text: '{"default": {"allow": ["env",]}}',
      problems: [{ path: '', column: 29, severity: 'error', message: 'trailing commas are not allowed in JSON' }],
    },
    {
      name: 'comment',
      text: '{ /* allow all */ "default": {"allow": []} }',
      problems: [{ path: '', column: 3, severity: 'error', message: 'comments are not allowed in JSON' }],
    },
    {
      name: 'empty file',
      text: '',
      problems: [{ path: '', column: 1, severity: 'error', message: 'expected a value' }],
    },
  ];

  test.each(invalid)('$name', ({ text, problems }) => {
    expect(parsePolicy(text).problems).toEqual(problems.map((p) => ({ ...p, line: 1 })));
  });

  test('a missing comma is reported where the comma belongs, at the end of line 4', () => {
    const text = '{\n  "version": 1,\n  "packages": {\n    "axios": { "allow": ["network"] }\n    "esbuild": { "allow": ["shell"] }\n  }\n}\n';
    const { policy, problems } = parsePolicy(text, 'p.json');
    expect(problems).toEqual([{ path: '', line: 4, column: 38, severity: 'error', message: "expected ',' after this value" }]);
    expect(policy).toEqual(emptyPolicy('p.json'));
  });

  test('a byte-order mark is not a problem and does not shift columns', () => {
    expect(parsePolicy('\ufeff{"x": 1}').problems).toEqual([
      { path: '/x', line: 1, column: 2, severity: 'error', message: 'unknown key "x" at /x (the policy takes $schema, version, default, packages, ignore)' },
    ]);
  });
});

describe('loadPolicy', () => {
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  test('returns the policy and hands warnings to onWarning', () => {
    const file = write('ok.json', '{"packages": {"a": {"allow": ["env", "env"]}}}');
    const warnings: PolicyProblem[] = [];
    const policy = loadPolicy(file, { onWarning: (p) => warnings.push(p) });
    expect(policy.path).toBe(file);
    expect(policy.entries.map((e) => [e.key, e.allow])).toEqual([['a', ['env']]]);
    expect(warnings).toEqual([{ path: '/packages/a/allow/1', line: 1, column: 38, severity: 'warning', message: '"env" is listed twice' }]);
  });

  test('invalid JSON: E_POLICY with the line and column of the syntax error', () => {
    const file = write('comma.json', '{\n  "version": 1,\n  "packages": {\n    "axios": { "allow": ["network"] }\n    "esbuild": { "allow": ["shell"] }\n  }\n}\n');
    const err = thrown(() => loadPolicy(file));
    expect(err.code).toBe('E_POLICY');
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`${file}:4:38: expected ',' after this value`);
  });

  test('the first error is the message; the hint counts the others', () => {
    const file = write('two.json', '{\n  "packages": {\n    "axios": { "allow": ["netwrk"] },\n    "x@nope": { "allow": [] }\n  }\n}\n');
    const err = thrown(() => loadPolicy(file));
    expect(err.message).toBe(`${file}:3:26: unknown capability "netwrk" (capabilities: dynamic-require, env, eval, filesystem, global-tamper, install-script, native, network, obfuscated, shell)`);
    expect(err.hint).toBe('The file has 1 more error. The policy format is described by schema/depcaps.policy.schema.json.');
  });

  test('a missing file is E_POLICY naming it', () => {
    const file = join(dir, 'missing.json');
    const err = thrown(() => loadPolicy(file));
    expect([err.code, err.message]).toEqual(['E_POLICY', `could not read the policy ${file} (ENOENT)`]);
  });
});

describe('matchPolicy', () => {
  test('globs: * stays within one path segment, ** crosses them, other characters are literal', () => {
    const policy = policyOf({
      packages: {
        '@types/*': { allow: ['eval'] },
        'eslint-plugin-*': { allow: ['filesystem'] },
        '@babel/**': { allow: ['env'] },
        'lodash.*': { allow: ['shell'] },
      },
    });
    expect(
      rulesOf(policy, [
        ['@types/node', '20.0.0'],
        ['@types/a/b', '1.0.0'],
        ['types', '1.0.0'],
        ['@typesx/node', '1.0.0'],
        ['eslint-plugin-react', '7.0.0'],
        ['eslint-plugin-', '1.0.0'],
        ['@x/eslint-plugin-y', '1.0.0'],
        ['@babel/core', '7.0.0'],
        ['@babel/a/b', '7.0.0'],
        ['lodash.get', '4.0.0'],
        ['lodashxget', '4.0.0'],
      ]),
    ).toEqual([
      '@types/node@20.0.0 → @types/*',
      '@types/a/b@1.0.0 → default',
      'types@1.0.0 → default',
      '@typesx/node@1.0.0 → default',
      'eslint-plugin-react@7.0.0 → eslint-plugin-*',
      'eslint-plugin-@1.0.0 → eslint-plugin-*',
      '@x/eslint-plugin-y@1.0.0 → default',
      '@babel/core@7.0.0 → @babel/**',
      '@babel/a/b@7.0.0 → @babel/**',
      'lodash.get@4.0.0 → lodash.*',
      'lodashxget@4.0.0 → default',
    ]);
  });

  test('ranges: a version outside the range falls to the plain name, else to default', () => {
    const withName = policyOf({ packages: { 'axios@^1': { allow: ['network'] }, axios: { allow: ['env'] }, '@s/n@^1': { allow: ['eval'] } } });
    const withoutName = policyOf({ packages: { 'axios@^1': { allow: ['network'] } } });
    const cases = [
      ['axios', '1.7.0'],
      ['axios', '0.27.2'],
      ['axios', '2.0.0'],
      ['axios', '1.8.0-beta.1'],
      ['axios', 'not-a-version'],
      ['@s/n', '1.2.3'],
      ['@s/n', '2.0.0'],
    ] as const;
    expect(rulesOf(withName, cases)).toEqual([
      'axios@1.7.0 → axios@^1',
      'axios@0.27.2 → axios',
      'axios@2.0.0 → axios',
      'axios@1.8.0-beta.1 → axios@^1',
      'axios@not-a-version → axios',
      '@s/n@1.2.3 → @s/n@^1',
      '@s/n@2.0.0 → default',
    ]);
    expect(rulesOf(withoutName, [['axios', '1.7.0'], ['axios', '0.27.2']])).toEqual(['axios@1.7.0 → axios@^1', 'axios@0.27.2 → default']);
  });

  test('precedence: name@range, then exact name, then the longest literal glob, whatever the file order', () => {
    const policy = policyOf({
      packages: {
        '**': { allow: [] },
        'esl*': { allow: [] },
        'eslint-*': { allow: [] },
        'eslint-plugin-*': { allow: [] },
        'eslint-plugin-react': { allow: [] },
        'eslint-plugin-react@>=7': { allow: [] },
      },
    });
    expect(
      rulesOf(policy, [
        ['eslint-plugin-react', '7.1.0'],
        ['eslint-plugin-react', '6.0.0'],
        ['eslint-plugin-vue', '9.0.0'],
        ['eslint-config-x', '1.0.0'],
        ['eslx', '1.0.0'],
        ['@scope/anything', '1.0.0'],
      ]),
    ).toEqual([
      'eslint-plugin-react@7.1.0 → eslint-plugin-react@>=7',
      'eslint-plugin-react@6.0.0 → eslint-plugin-react',
      'eslint-plugin-vue@9.0.0 → eslint-plugin-*',
      'eslint-config-x@1.0.0 → eslint-*',
      'eslx@1.0.0 → esl*',
      '@scope/anything@1.0.0 → **',
    ]);
  });

  test.each([
    { order: ['a*c', 'ab*'], name: 'abc', version: '1.0.0', rule: 'a*c' },
    { order: ['ab*', 'a*c'], name: 'abc', version: '1.0.0', rule: 'ab*' },
    { order: ['x@^1', 'x@>=1.2'], name: 'x', version: '1.5.0', rule: 'x@^1' },
    { order: ['x@>=1.2', 'x@^1'], name: 'x', version: '1.5.0', rule: 'x@>=1.2' },
  ])('ties go to the first in file order: $order → $rule', ({ order, name, version, rule }) => {
    const policy = policyOf({ packages: Object.fromEntries(order.map((key) => [key, { allow: [] }])) });
    expect(matchPolicy(policy, name, version).rule).toBe(rule);
  });

  test('an entry adds to default.allow; reasons are surfaced, absent ones are absent', () => {
    const policy = policyOf(EXAMPLE);
    expect(matchPolicy(policy, 'esbuild', '0.21.5')).toEqual({
      rule: 'esbuild',
      allowed: ['env', 'filesystem', 'install-script', 'native', 'shell'],
      reason: 'build tool; postinstall picks the platform binary',
    });
    expect(matchPolicy(policy, 'axios', '1.7.0')).toEqual({ rule: 'axios@^1', allowed: ['env', 'filesystem', 'network'] });
    expect(matchPolicy(policy, 'axios', '0.27.2')).toEqual({ rule: 'default', allowed: ['env', 'filesystem'] });
    expect(matchPolicy(policy, '@types/node', '20.0.0')).toEqual({ rule: '@types/*', allowed: ['env', 'filesystem'] });
  });

  test('the ignore list comes first: string and object forms, globs and ranges', () => {
    const policy = policyOf({
      packages: { esbuild: { allow: ['shell'] }, '@acme/core': { allow: ['network'] } },
      ignore: ['left-pad', 'esbuild@<0.20', { package: '@acme/*', reason: 'our own packages' }, { package: 'is-*' }],
    });
    expect(matchPolicy(policy, 'left-pad', '1.3.0')).toEqual({ rule: 'left-pad', allowed: [], ignored: true });
    expect(matchPolicy(policy, '@acme/core', '2.0.0')).toEqual({ rule: '@acme/*', allowed: [], reason: 'our own packages', ignored: true });
    expect(matchPolicy(policy, 'is-even', '1.0.0')).toEqual({ rule: 'is-*', allowed: [], ignored: true });
    expect(matchPolicy(policy, 'esbuild', '0.19.0')).toEqual({ rule: 'esbuild@<0.20', allowed: [], ignored: true });
    expect(matchPolicy(policy, 'esbuild', '0.21.0')).toEqual({ rule: 'esbuild', allowed: ['shell'] });
    expect(matchPolicy(policy, '@acme-evil/core', '1.0.0')).toEqual({ rule: 'default', allowed: [] });
  });

  test('atInstall: a policy without it judges install-time code like the rest (no allowedAtInstall), as before it existed', () => {
    const policy = policyOf(EXAMPLE);
    expect(policy.default.atInstall).toBeUndefined();
    for (const [name, version] of [['esbuild', '0.21.5'], ['left-pad', '1.0.0'], ['x', '1.0.0']] as const) {
      expect(matchPolicy(policy, name, version).allowedAtInstall).toBeUndefined();
    }
  });

  test('atInstall on an entry: network at run time, not at install', () => {
    const policy = policyOf({
      default: { allow: ['env'] },
      packages: {
        axios: { allow: ['network'], atInstall: [] },
        esbuild: { allow: ['install-script', 'shell', 'network'], atInstall: ['install-script', 'shell'] },
        left: { allow: ['network'] },
      },
    });
    expect(policy.entries.map((e) => [e.key, e.atInstall])).toEqual([['axios', []], ['esbuild', ['install-script', 'shell']], ['left', undefined]]);
    // default's allow still counts at install (it has no atInstall of its own).
    expect(matchPolicy(policy, 'axios', '1.7.0')).toEqual({ rule: 'axios', allowed: ['env', 'network'], allowedAtInstall: ['env'] });
    expect(matchPolicy(policy, 'esbuild', '0.25.0')).toEqual({ rule: 'esbuild', allowed: ['env', 'install-script', 'network', 'shell'], allowedAtInstall: ['env', 'install-script', 'shell'] });
    // An entry without atInstall keeps the old meaning while default has none.
    expect(matchPolicy(policy, 'left', '1.0.0')).toEqual({ rule: 'left', allowed: ['env', 'network'] });
    expect(matchPolicy(policy, 'other', '1.0.0')).toEqual({ rule: 'default', allowed: ['env'] });
  });

  test('default.atInstall: install-time code is judged by atInstall lists only; entries without one add nothing at install', () => {
    const policy = policyOf({
      default: { allow: ['env', 'filesystem'], atInstall: ['filesystem'] },
      packages: { esbuild: { allow: ['install-script', 'shell'], atInstall: ['install-script', 'shell'] }, axios: { allow: ['network'] }, '@types/*': { allow: [], atInstall: ['env'] } },
    });
    expect(matchPolicy(policy, 'esbuild', '0.25.0').allowedAtInstall).toEqual(['filesystem', 'install-script', 'shell']);
    expect(matchPolicy(policy, 'axios', '1.7.0')).toEqual({ rule: 'axios', allowed: ['env', 'filesystem', 'network'], allowedAtInstall: ['filesystem'] });
    expect(matchPolicy(policy, '@types/node', '20.0.0')).toEqual({ rule: '@types/*', allowed: ['env', 'filesystem'], allowedAtInstall: ['env', 'filesystem'] });
    expect(matchPolicy(policy, 'x', '1.0.0')).toEqual({ rule: 'default', allowed: ['env', 'filesystem'], allowedAtInstall: ['filesystem'] });
    // Ignored packages allow nothing and are never judged.
    expect(matchPolicy(policyOf({ default: { atInstall: [] }, ignore: ['x'] }), 'x', '1.0.0')).toEqual({ rule: 'x', allowed: [], ignored: true });
  });

  test('atInstall problems are located like allow problems', () => {
    const { problems } = parsePolicy('{"packages": {"a": {"allow": [], "atInstall": ["netwrk", 1]}}, "default": {"atInstall": "shell"}}');
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['/packages/a/atInstall/0', expect.stringMatching(/^unknown capability "netwrk"/)],
      ['/packages/a/atInstall/1', 'a capability id must be a string, not number'],
      ['/default/atInstall', 'atInstall must be an array, not string'],
    ]);
  });

  test('emptyPolicy allows nothing', () => {
    expect(emptyPolicy()).toEqual({ version: 1, default: { allow: [] }, entries: [], ignore: [] });
    expect(matchPolicy(emptyPolicy(), 'axios', '1.7.0')).toEqual({ rule: 'default', allowed: [] });
  });
});

describe('initPolicy', () => {
  const packages = [
    { name: 'esbuild', version: '0.21.5', capabilities: ['shell', 'install-script', 'native', 'env'], install: { capabilities: ['shell', 'install-script', 'env'] } },
    // Install-time code that uses only default capabilities (and the script itself) still gets an entry.
    { name: 'husky-like', version: '9.0.0', capabilities: ['filesystem', 'install-script'], install: { capabilities: ['install-script', 'filesystem'] } },
    { name: 'axios', version: '1.7.0', capabilities: ['network', 'env'] },
    { name: 'axios', version: '0.27.2', capabilities: ['dynamic-require', 'network'] },
    { name: 'left-pad', version: '1.3.0', capabilities: ['env'] },
    { name: '123', version: '1.0.0', capabilities: ['eval'] },
    { name: '@scope/x', version: '2.0.0', capabilities: ['filesystem', 'network'] },
    { name: 'no-caps', version: '1.0.0', capabilities: [] },
  ];
  const expected = `{
  "$schema": "https://unpkg.com/depcaps/schema/depcaps.policy.schema.json",
  "version": 1,
  "default": {
    "allow": [
      "env",
      "filesystem"
    ],
    "atInstall": []
  },
  "packages": {
    "123": {
      "allow": [
        "eval"
      ]
    },
    "@scope/x": {
      "allow": [
        "network"
      ]
    },
    "axios": {
      "allow": [
        "dynamic-require",
        "network"
      ]
    },
    "esbuild": {
      "allow": [
        "install-script",
        "native",
        "shell"
      ],
      "atInstall": [
        "env",
        "install-script",
        "shell"
      ]
    },
    "husky-like": {
      "allow": [
        "install-script"
      ],
      "atInstall": [
        "filesystem",
        "install-script"
      ]
    }
  }
}
`;

  test('one entry per name beyond the default, sorted, 2-space JSON with a trailing newline', () => {
    expect(initPolicy(packages, { default: ['filesystem', 'env'] })).toBe(expected);
  });

  test('byte-stable under reordering of packages, capabilities and defaults', () => {
    const shuffled = [...packages].reverse().map((p) => ({ ...p, capabilities: [...p.capabilities].reverse(), ...(p.install ? { install: { capabilities: [...p.install.capabilities].reverse() } } : {}) }));
    expect(initPolicy(shuffled, { default: ['env', 'filesystem', 'env'] })).toBe(expected);
  });

  test('what it writes parses cleanly and accepts every package it was given', () => {
    const policy = policyOf(initPolicy(packages, { default: ['env', 'filesystem'] }));
    const rejected = packages.flatMap((p) => {
      const { allowed, allowedAtInstall } = matchPolicy(policy, p.name, p.version);
      const atInstall = (p.install?.capabilities ?? []).filter((c) => !allowedAtInstall!.includes(c)).map((c) => `${p.name}@${p.version} ${c} at install`);
      return [...p.capabilities.filter((c) => !allowed.includes(c)).map((c) => `${p.name}@${p.version} ${c}`), ...atInstall];
    });
    expect(rejected).toEqual([]);
  });

  test('install-time code is pinned: a package may not start using at install what it may use at run time', () => {
    const policy = policyOf(initPolicy(packages, { default: ['env', 'filesystem'] }));
    expect(matchPolicy(policy, 'esbuild', '0.21.5')).toEqual({ rule: 'esbuild', allowed: ['env', 'filesystem', 'install-script', 'native', 'shell'], allowedAtInstall: ['env', 'install-script', 'shell'] });
    // No install-time code today: nothing allowed at install, default capabilities included.
    expect(matchPolicy(policy, 'axios', '1.7.0')).toEqual({ rule: 'axios', allowed: ['dynamic-require', 'env', 'filesystem', 'network'], allowedAtInstall: [] });
    expect(matchPolicy(policy, 'unknown', '1.0.0')).toEqual({ rule: 'default', allowed: ['env', 'filesystem'], allowedAtInstall: [] });
  });

  test('no packages and no default', () => {
    expect(initPolicy([])).toBe(
      '{\n  "$schema": "https://unpkg.com/depcaps/schema/depcaps.policy.schema.json",\n  "version": 1,\n  "default": {\n    "allow": [],\n    "atInstall": []\n  },\n  "packages": {}\n}\n',
    );
  });

  test('a platform family is one glob entry, with the union of its members and a reason; it also covers a new member', () => {
    const family = { parent: 'esbuild', glob: '@esbuild/*' };
    const text = initPolicy([
      ...packages,
      { name: '@esbuild/linux-x64', version: '0.21.5', capabilities: ['native'], family },
      { name: '@esbuild/android-arm', version: '0.21.5', capabilities: ['eval', 'native'], family },
      // A family without a safe glob: its members keep entries of their own.
      { name: '@parcel/watcher-linux-x64-glibc', version: '2.4.1', capabilities: ['native'], family: { parent: '@parcel/watcher' } },
    ], { default: ['env', 'filesystem'] });
    const written = JSON.parse(text) as { packages: Record<string, unknown> };
    expect(written.packages['@esbuild/*']).toEqual({ allow: ['eval', 'native'], reason: 'platform packages of esbuild' });
    expect(written.packages['@parcel/watcher-linux-x64-glibc']).toEqual({ allow: ['native'] });
    expect(Object.keys(written.packages).filter((k) => k.startsWith('@esbuild/'))).toEqual(['@esbuild/*']);
    const policy = policyOf(text);
    expect(matchPolicy(policy, '@esbuild/openharmony-arm64', '0.25.0')).toMatchObject({ rule: '@esbuild/*', allowed: ['env', 'eval', 'filesystem', 'native'] });
    // The parent keeps its own entry: the glob is about its platform packages only.
    expect(matchPolicy(policy, 'esbuild', '0.21.5').rule).toBe('esbuild');
  });

  test('an unknown default capability is E_USAGE', () => {
    const err = thrown(() => initPolicy([], { default: ['net'] }));
    expect([err.code, err.message]).toEqual([
      'E_USAGE',
      'unknown capability "net" in the default allow list; capabilities are dynamic-require, env, eval, filesystem, global-tamper, install-script, native, network, obfuscated, shell',
    ]);
  });
});

describe('schema/depcaps.policy.schema.json', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schema/depcaps.policy.schema.json', import.meta.url), 'utf8')) as {
    definitions: { capability: { enum: string[] } };
  };
  const ajv = new Ajv({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  test('its capability enum is the catalog', () => {
    expect(schema.definitions.capability.enum).toEqual(catalog.map((c) => c.id));
  });

  test('accepts the documented example', () => {
    expect(validate(JSON.parse(EXAMPLE))).toBe(true);
    expect(validate.errors).toBeNull();
  });

  test('rejects an unknown key, naming it', () => {
    expect(validate({ version: 1, packages: { axios: { allow: ['network'], alow: [] } } })).toBe(false);
    expect(validate.errors?.map((e) => [e.instancePath, e.keyword, e.params])).toEqual([['/packages/axios', 'additionalProperties', { additionalProperty: 'alow' }]]);
  });

  // The schema and parsePolicy must agree wherever a schema can decide (not semver ranges, not
  // duplicate keys, which JSON.parse collapses): each document is accepted by both or by neither.
  const agreement: { name: string; document: unknown; valid: boolean }[] = [
    { name: 'empty object', document: {}, valid: true },
    { name: 'example', document: JSON.parse(EXAMPLE) as unknown, valid: true },
    { name: 'unknown top-level key', document: { rules: {} }, valid: false },
    { name: 'unknown key in default', document: { default: { allow: [], deny: [] } }, valid: false },
    { name: 'unknown key in an entry', document: { packages: { a: { allow: [], why: 'x' } } }, valid: false },
    { name: 'unknown key in an ignore object', document: { ignore: [{ package: 'a', because: 'x' }] }, valid: false },
    { name: 'unknown capability', document: { default: { allow: ['fs'] } }, valid: false },
    { name: 'version 2', document: { version: 2 }, valid: false },
    { name: 'entry without allow', document: { packages: { a: {} } }, valid: false },
    { name: 'ignore object without package', document: { ignore: [{ reason: 'x' }] }, valid: false },
    { name: 'empty key', document: { packages: { '': { allow: [] } } }, valid: false },
    { name: 'glob with a range', document: { packages: { 'eslint-plugin-*@^2': { allow: [] } } }, valid: false },
    { name: 'scoped glob with a range', document: { ignore: ['@*/x@1'] }, valid: false },
    { name: 'range * on a name is not a glob', document: { packages: { 'axios@*': { allow: [] } } }, valid: true },
    { name: 'scoped name with a range', document: { packages: { '@s/n@^1': { allow: ['network'] } } }, valid: true },
    { name: 'allow as a string', document: { packages: { a: { allow: 'env' } } }, valid: false },
    { name: 'reason as a number', document: { ignore: [{ package: 'a', reason: 1 }] }, valid: false },
    { name: 'atInstall in default and an entry', document: { default: { allow: ['env'], atInstall: [] }, packages: { a: { allow: ['network'], atInstall: ['install-script'] } } }, valid: true },
    { name: 'atInstall as a string', document: { packages: { a: { allow: [], atInstall: 'shell' } } }, valid: false },
    { name: 'unknown capability in atInstall', document: { default: { atInstall: ['net'] } }, valid: false },
    { name: 'an entry with atInstall but no allow', document: { packages: { a: { atInstall: [] } } }, valid: false },
  ];

  test.each(agreement)('schema and parsePolicy agree: $name', ({ document, valid }) => {
    const accepted = validate(document);
    const { problems } = parsePolicy(JSON.stringify(document));
    expect([accepted, errorsOf(problems).length === 0]).toEqual([valid, valid]);
  });
});
