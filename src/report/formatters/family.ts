import type { PlatformFamily } from '../../contract/index.js';

/** Packages listed one by one, or a platform family's members listed as one. */
export type Grouped<T> = { kind: 'one'; item: T } | { kind: 'family'; family: PlatformFamily; items: T[] };

/** What a family is called in a report: its policy glob (`@esbuild/*`), else `esbuild's platform packages`. */
export function familyName(family: PlatformFamily): string {
  return family.glob ?? `${family.parent}'s platform packages`;
}

/** `@esbuild/* (23 platform packages of esbuild)`: the family and how many of its members the list holds. */
export function familyLabel(family: PlatformFamily, count: number): string {
  const what = `${count} platform package${count === 1 ? '' : 's'} of ${family.parent}`;
  return family.glob === undefined ? `${family.parent}: ${what}` : `${family.glob} (${what})`;
}

const keyOf = (f: PlatformFamily) => `${f.parent}\0${f.glob ?? ''}`;

/**
 * Groups a list's platform family members into one entry per family (where the list holds two or more of
 * them), keeping the others as they are; the family entry takes the place of its first member.
 */
export function groupFamilies<T extends { family?: PlatformFamily }>(items: readonly T[]): Grouped<T>[] {
  const counts = new Map<string, number>();
  for (const item of items) if (item.family) counts.set(keyOf(item.family), (counts.get(keyOf(item.family)) ?? 0) + 1);
  const out: Grouped<T>[] = [];
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = item.family ? keyOf(item.family) : undefined;
    if (key === undefined || (counts.get(key) ?? 0) < 2) {
      out.push({ kind: 'one', item });
      continue;
    }
    const group = groups.get(key);
    if (group) group.push(item);
    else {
      const fresh = [item];
      groups.set(key, fresh);
      out.push({ kind: 'family', family: item.family!, items: fresh });
    }
  }
  return out;
}
