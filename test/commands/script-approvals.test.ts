/** Install-script approvals: npm's allowScripts matching (a table), pnpm's lists, and byte-stable writes. */
import { describe, expect, it } from 'vitest';
import { npmAllowScripts, npmKeyMatches, readApprovals, writeApprovals } from '../../src/commands/script-approvals.js';
import type { LockedPackage } from '../../src/lockfile/types.js';

function pkg(name: string, version: string, extra: Partial<LockedPackage> = {}): LockedPackage {
  return { name, version, source: 'registry', resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, dev: false, optional: false, key: `node_modules/${name}`, line: 1, ...extra };
}

const ESBUILD = pkg('esbuild', '0.25.0');
const SCOPED = pkg('@img/sharp', '0.34.1');
const ALIASED = pkg('real', '1.0.0', { alias: 'nick' });
const NO_URL = pkg('bare', '1.0.0', { resolved: undefined });
const GIT = pkg('gitdep', '1.0.0', { source: 'git', resolved: 'git+ssh://git@github.com/acme/gitdep.git#0123456789abcdef0123456789abcdef01234567' });
const LOCAL = pkg('local', '0.0.1', { source: 'file', resolved: undefined, path: '../local' });

describe('npm allowScripts keys', () => {
  it.each<[string, LockedPackage, boolean]>([
    ['esbuild', ESBUILD, true],
    ['esbuild@0.25.0', ESBUILD, true],
    ['esbuild@0.25.1', ESBUILD, false],
    ['esbuild@0.24.0 || 0.25.0', ESBUILD, true],
    ['esbuild@^0.25.0', ESBUILD, false],
    ['esbuild@*', ESBUILD, true],
    ['esbuild@latest', ESBUILD, true],
    ['esbuil', ESBUILD, false],
    ['@img/sharp@0.34.1', SCOPED, true],
    ['@img/sharp', SCOPED, true],
    ['real', ALIASED, true],
    ['nick', ALIASED, false],
    ['nick@npm:real@1.0.0', ALIASED, false],
    ['bare', NO_URL, true],
    ['bare@1.0.0', NO_URL, false],
    ['github:acme/gitdep', GIT, true],
    ['git+ssh://git@github.com/acme/gitdep.git#0123456', GIT, true],
    ['git+ssh://git@github.com/acme/gitdep.git#fedcba9', GIT, false],
    ['github:acme/other', GIT, false],
    ['gitdep', GIT, false],
    ['file:../local', LOCAL, true],
    ['local', LOCAL, false],
    ['not a key !!', ESBUILD, false],
  ])('%s on %s', (key, p, expected) => {
    expect(npmKeyMatches(key, p)).toBe(expected);
  });

  it('a deny wins over any approval', () => {
    const approvals = readApprovals('npm', { packageJson: JSON.stringify({ allowScripts: { esbuild: true, 'esbuild@0.25.0': false } }) });
    expect(approvals.verdict(ESBUILD)).toEqual({ verdict: 'denied', entry: 'esbuild@0.25.0' });
    expect(approvals.verdict(SCOPED)).toEqual({ verdict: 'unreviewed' });
  });

  it('a malformed field is a problem, never a crash or an approval', () => {
    const approvals = readApprovals('npm', { packageJson: JSON.stringify({ allowScripts: { esbuild: 'yes', sharp: true } }) });
    expect(approvals.problems).toEqual(['package.json allowScripts["esbuild"] is not true or false; ignored']);
    expect(approvals.verdict(ESBUILD).verdict).toBe('unreviewed');
    expect(readApprovals('npm', { packageJson: '{ not json' }).problems[0]).toMatch(/not a JSON object/);
  });
});

describe('writing approvals', () => {
  it('exactly the allowed packages: name-only approvals kept as written, denies kept, stale ones dropped, new ones pinned', () => {
    const out = npmAllowScripts({ esbuild: true, 'left-pad@1.0.0': true, evil: false, weird: 'x' }, [
      { pkg: ESBUILD, allowed: true },
      { pkg: SCOPED, allowed: true },
      { pkg: NO_URL, allowed: true },
      { pkg: pkg('unwanted', '1.0.0'), allowed: false },
    ]);
    expect(out).toEqual({ '@img/sharp@0.34.1': true, bare: true, esbuild: true, evil: false });
    expect(Object.keys(out)).toEqual(['@img/sharp@0.34.1', 'bare', 'esbuild', 'evil']);
  });

  it('package.json: only the field changes, indentation and line endings kept, a second write changes nothing', () => {
    const text = '{\r\n\t"name": "app",\r\n\t"dependencies": {\r\n\t\t"esbuild": "^0.25.0"\r\n\t}\r\n}\r\n';
    const first = writeApprovals('npm', { packageJson: text }, [{ pkg: ESBUILD, allowed: true }]);
    expect(first.changed).toBe(true);
    expect(first.text).toBe('{\r\n\t"name": "app",\r\n\t"dependencies": {\r\n\t\t"esbuild": "^0.25.0"\r\n\t},\r\n\t"allowScripts": {\r\n\t\t"esbuild@0.25.0": true\r\n\t}\r\n}\r\n');
    const second = writeApprovals('npm', { packageJson: first.text }, [{ pkg: ESBUILD, allowed: true }]);
    expect(second).toEqual({ file: 'package.json', text: first.text, changed: false });
  });

  it('pnpm: package.json pnpm.onlyBuiltDependencies when the project keeps them there, else pnpm-workspace.yaml', () => {
    const inPackage = writeApprovals('pnpm', { packageJson: '{\n  "pnpm": {\n    "onlyBuiltDependencies": ["old"]\n  }\n}\n' }, [{ pkg: ESBUILD, allowed: true }]);
    expect(inPackage.file).toBe('package.json');
    expect(JSON.parse(inPackage.text)).toEqual({ pnpm: { onlyBuiltDependencies: ['esbuild'] } });
    const created = writeApprovals('pnpm', { packageJson: '{}' }, [{ pkg: SCOPED, allowed: true }, { pkg: ESBUILD, allowed: true }]);
    expect(created).toEqual({ file: 'pnpm-workspace.yaml', text: 'onlyBuiltDependencies:\n  - "@img/sharp"\n  - esbuild\n', changed: true });
    const again = writeApprovals('pnpm', { packageJson: '{}', pnpmWorkspace: created.text }, [{ pkg: SCOPED, allowed: true }, { pkg: ESBUILD, allowed: true }]);
    expect(again.changed).toBe(false);
  });

  it('pnpm approvals: onlyBuiltDependencies, allowBuilds and ignoredBuiltDependencies from both files', () => {
    const approvals = readApprovals('pnpm', {
      pnpmWorkspace: 'onlyBuiltDependencies:\n  - esbuild\nignoredBuiltDependencies:\n  - bare\n',
      packageJson: JSON.stringify({ pnpm: { allowBuilds: { '@img/sharp': true } } }),
    });
    expect([ESBUILD, SCOPED, NO_URL, ALIASED].map((p) => approvals.verdict(p).verdict)).toEqual(['approved', 'approved', 'denied', 'unreviewed']);
  });
});
