import type { TransitiveCapability } from '../contract/index.js';

/**
 * Capabilities reachable through a set of packages, each with the shortest path to a package that
 * holds it (`via`: from the starting package, exclusive, to the holder, inclusive).
 */
export function reachable<T extends { via: string[] }>(packages: readonly T[], capabilitiesOf: (p: T) => readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of [...packages].sort((a, b) => a.via.length - b.via.length)) {
    for (const c of capabilitiesOf(p)) if (!out.has(c)) out.set(c, p.via);
  }
  return out;
}

/** What `a` reaches that `b` does not, sorted by capability. */
export function reachedOnlyIn(a: ReadonlyMap<string, string[]>, b: ReadonlyMap<string, string[]>): TransitiveCapability[] {
  return [...a]
    .filter(([c]) => !b.has(c))
    .map(([capability, via]) => ({ capability, via }))
    .sort((x, y) => (x.capability < y.capability ? -1 : x.capability > y.capability ? 1 : 0));
}
