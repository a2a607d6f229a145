/** A lockfile's packages as one readable line each, so tests compare whole tables exactly. */
import type { LockedPackage, Lockfile } from '../../src/lockfile/types.js';

/**
 * `name@version source [dev] [optional] [alias=x] [integrity] [path=p] [bundled] L<line>`: every
 * field a test pins, `integrity` meaning present (its value is checked separately where known).
 */
export function row(p: LockedPackage): string {
  return [
    `${p.name}@${p.version}`,
    p.source,
    ...(p.dev ? ['dev'] : []),
    ...(p.optional ? ['optional'] : []),
    ...(p.alias !== undefined ? [`alias=${p.alias}`] : []),
    ...(p.integrity !== undefined ? ['integrity'] : []),
    ...(p.path !== undefined ? [`path=${p.path}`] : []),
    ...(p.bundled ? ['bundled'] : []),
    `L${p.line}`,
  ].join(' ');
}

/** {@link row} of every package, in the lockfile's order. */
export function rows(lockfile: Lockfile): string[] {
  return lockfile.packages.map(row);
}

/** Diagnostics as `L<line> <key>: <message>`. */
export function diagnosticRows(lockfile: Lockfile): string[] {
  return lockfile.diagnostics.map((d) => `L${d.line ?? '-'} ${d.key}: ${d.message}`);
}

/** Each package that depends on something as `name@version: dep spec, dep spec`, in the lockfile's order. */
export function dependencyRows(lockfile: Lockfile): string[] {
  return lockfile.packages
    .filter((p) => p.dependencies !== undefined)
    .map((p) => `${p.name}@${p.version}: ${Object.entries(p.dependencies ?? {}).map(([name, spec]) => `${name} ${spec}`).join(', ')}`);
}
