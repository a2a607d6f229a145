import semver from 'semver';
import type { LockedPackage, Lockfile } from '../lockfile/types.js';
import type { ChangeKind } from '../contract/index.js';

/** One package that differs between two lockfiles. */
export interface LockChange {
  kind: ChangeKind;
  base?: LockedPackage;
  head?: LockedPackage;
}

const byVersion = (a: LockedPackage, b: LockedPackage): number =>
  semver.valid(a.version) && semver.valid(b.version) ? semver.compare(a.version, b.version) : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;

/** Same package, same bytes: a registry entry with the same version and (when both record one) the same integrity. */
function same(a: LockedPackage, b: LockedPackage): boolean {
  if (a.source !== b.source || a.version !== b.version) return false;
  if (a.integrity && b.integrity) return a.integrity === b.integrity;
  if (a.source !== 'registry') return (a.resolved ?? a.path ?? '') === (b.resolved ?? b.path ?? '');
  return true;
}

/**
 * Packages added, removed, upgraded, downgraded or changed (same version, other bytes or source)
 * between two lockfiles, grouped by package name. When a name has several versions on a side,
 * each new version is paired with the closest old one below it (an upgrade), else the closest above
 * (a downgrade); what is left over was added or removed. Sorted by name, then version. Workspace
 * packages are the project's own code, reviewed as code, not dependency changes: they are left out.
 */
export function compareLockfiles(base: Lockfile, head: Lockfile): LockChange[] {
  const group = (l: Lockfile) => {
    const out = new Map<string, LockedPackage[]>();
    for (const p of l.packages) {
      if (p.source === 'workspace') continue;
      const list = out.get(p.name);
      if (list) list.push(p);
      else out.set(p.name, [p]);
    }
    return out;
  };
  const before = group(base);
  const after = group(head);
  const changes: LockChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = [...(before.get(name) ?? [])];
    const now = [...(after.get(name) ?? [])];
    // Identical entries on both sides are not changes.
    const oldLeft = old.filter((o) => !now.some((n) => same(o, n)));
    const nowLeft = now.filter((n) => !old.some((o) => same(o, n)));
    // Same version, different bytes or source.
    for (const n of [...nowLeft]) {
      const o = oldLeft.find((x) => x.version === n.version);
      if (!o) continue;
      changes.push({ kind: 'changed', base: o, head: n });
      oldLeft.splice(oldLeft.indexOf(o), 1);
      nowLeft.splice(nowLeft.indexOf(n), 1);
    }
    oldLeft.sort(byVersion);
    for (const n of nowLeft.sort(byVersion).reverse()) {
      const below = [...oldLeft].reverse().find((o) => byVersion(o, n) < 0);
      const above = oldLeft.find((o) => byVersion(o, n) > 0);
      const o = below ?? above;
      if (!o) {
        changes.push({ kind: 'added', head: n });
        continue;
      }
      oldLeft.splice(oldLeft.indexOf(o), 1);
      changes.push({ kind: o === below ? 'upgraded' : 'downgraded', base: o, head: n });
    }
    for (const o of oldLeft) changes.push({ kind: 'removed', base: o });
  }
  const version = (c: LockChange) => (c.head ?? c.base)!;
  return changes.sort((a, b) => (version(a).name < version(b).name ? -1 : version(a).name > version(b).name ? 1 : byVersion(version(a), version(b))));
}
