import type { DeclaredDependencies, DiffReport } from '../contract/index.js';

/** Production dependencies (what installs with the package): dependencies, optional and peer. */
function merged(d: DeclaredDependencies): Map<string, string> {
  return new Map([...Object.entries(d.peerDependencies), ...Object.entries(d.optionalDependencies), ...Object.entries(d.dependencies)]);
}

/** Dependencies added, removed and whose range changed between two manifests. */
export function diffDependencies(from: DeclaredDependencies, to: DeclaredDependencies): DiffReport['dependencies'] {
  const a = merged(from);
  const b = merged(to);
  const out: DiffReport['dependencies'] = { added: {}, removed: {}, changed: {} };
  for (const [name, range] of [...b].sort()) {
    const before = a.get(name);
    if (before === undefined) out.added[name] = range;
    else if (before !== range) out.changed[name] = { from: before, to: range };
  }
  for (const [name, range] of [...a].sort()) if (!b.has(name)) out.removed[name] = range;
  return out;
}
