/** compareLockfiles: which packages were added, removed, upgraded, downgraded or changed. */
import { describe, expect, it } from 'vitest';
import { compareLockfiles } from '../../src/gate/compare.js';
import type { LockedPackage, Lockfile } from '../../src/lockfile/types.js';

const pkg = (id: string, extra: Partial<LockedPackage> = {}): LockedPackage => {
  const at = id.lastIndexOf('@');
  return { name: id.slice(0, at), version: id.slice(at + 1), source: 'registry', dev: false, optional: false, key: `node_modules/${id}`, line: 1, integrity: `sha512-${id}`, ...extra };
};
const lockfile = (packages: LockedPackage[]): Lockfile => ({ format: 'npm', formatVersion: '3', path: '/x/package-lock.json', packages, diagnostics: [], root: {} });
const changes = (base: LockedPackage[], head: LockedPackage[]) =>
  compareLockfiles(lockfile(base), lockfile(head)).map((c) => `${c.kind} ${c.base ? `${c.base.name}@${c.base.version}` : '-'} → ${c.head ? `${c.head.name}@${c.head.version}` : '-'}`);

describe('compareLockfiles', () => {
  it.each([
    ['nothing changed', ['a@1.0.0', 'b@2.0.0'], ['a@1.0.0', 'b@2.0.0'], []],
    ['upgrade, downgrade, add, remove', ['a@1.0.0', 'b@2.0.0', 'gone@1.0.0'], ['a@1.1.0', 'b@1.9.0', 'new@0.1.0'], ['upgraded a@1.0.0 → a@1.1.0', 'downgraded b@2.0.0 → b@1.9.0', 'removed gone@1.0.0 → -', 'added - → new@0.1.0']],
    // Two versions of one name: each new one pairs with the closest old one below it.
    ['several versions of one name', ['d@1.0.0', 'd@2.0.0'], ['d@1.0.1', 'd@2.1.0'], ['upgraded d@1.0.0 → d@1.0.1', 'upgraded d@2.0.0 → d@2.1.0']],
    ['a second version appears', ['d@1.0.0'], ['d@1.0.0', 'd@3.0.0'], ['added - → d@3.0.0']],
    ['one of two versions goes', ['d@1.0.0', 'd@3.0.0'], ['d@3.0.0'], ['removed d@1.0.0 → -']],
    ['prerelease to release', ['e@2.0.0-rc.1'], ['e@2.0.0'], ['upgraded e@2.0.0-rc.1 → e@2.0.0']],
  ])('%s', (_name, base, head, expected) => {
    expect(changes(base.map((id) => pkg(id)), head.map((id) => pkg(id)))).toEqual(expected);
  });

  it('same version with other bytes (a republished or tampered tarball) or another source is "changed"', () => {
    expect(changes([pkg('a@1.0.0')], [pkg('a@1.0.0', { integrity: 'sha512-other' })])).toEqual(['changed a@1.0.0 → a@1.0.0']);
    expect(changes([pkg('a@1.0.0')], [pkg('a@1.0.0', { source: 'git', integrity: undefined, resolved: 'git+ssh://x/a.git#abc' })])).toEqual(['changed a@1.0.0 → a@1.0.0']);
    // A lockfile that drops the integrity field is not a change of bytes.
    expect(changes([pkg('a@1.0.0')], [pkg('a@1.0.0', { integrity: undefined })])).toEqual([]);
  });

  it("workspace packages are the project's own code, not dependency changes", () => {
    expect(changes([pkg('ws-a@1.0.0', { source: 'workspace', path: 'packages/a' })], [pkg('ws-a@1.1.0', { source: 'workspace', path: 'packages/a' }), pkg('ws-b@0.1.0', { source: 'workspace', path: 'packages/b' })])).toEqual([]);
  });

  it('dev flags and lockfile lines moving are not changes', () => {
    expect(changes([pkg('a@1.0.0', { line: 10 })], [pkg('a@1.0.0', { line: 99, dev: true })])).toEqual([]);
  });
});
