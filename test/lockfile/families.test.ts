// Platform data and families in every lockfile format: one small project (esbuild and sharp with their
// platform packages, ws with two optional non-platform dependencies, chokidar with fsevents) written in
// each format as its package manager writes it, then read back.
import { describe, expect, test } from 'vitest';
import { parseLockfile } from '../../src/lockfile/index.js';
import { platformFamilies } from '../../src/lockfile/families.js';
import type { Lockfile } from '../../src/lockfile/types.js';

interface Spec {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

const SPECS: Spec[] = [
  {
    name: 'esbuild', version: '0.21.5',
    optionalDependencies: { '@esbuild/darwin-arm64': '0.21.5', '@esbuild/linux-x64': '0.21.5', '@esbuild/win32-x64': '0.21.5' },
  },
  { name: '@esbuild/darwin-arm64', version: '0.21.5', os: ['darwin'], cpu: ['arm64'] },
  { name: '@esbuild/linux-x64', version: '0.21.5', os: ['linux'], cpu: ['x64'] },
  { name: '@esbuild/win32-x64', version: '0.21.5', os: ['win32'], cpu: ['x64'] },
  {
    name: 'sharp', version: '0.33.5', dependencies: { '@img/colour': '1.0.0' },
    optionalDependencies: { '@img/sharp-darwin-arm64': '0.33.5', '@img/sharp-linux-x64': '0.33.5', '@img/sharp-libvips-linux-x64': '1.0.4' },
  },
  { name: '@img/colour', version: '1.0.0' },
  { name: '@img/sharp-darwin-arm64', version: '0.33.5', os: ['darwin'], cpu: ['arm64'] },
  { name: '@img/sharp-linux-x64', version: '0.33.5', os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  { name: '@img/sharp-libvips-linux-x64', version: '1.0.4', os: ['linux'], cpu: ['x64'], libc: ['glibc'] },
  { name: 'ws', version: '8.18.0', optionalDependencies: { bufferutil: '4.0.8', 'utf-8-validate': '6.0.4' } },
  { name: 'bufferutil', version: '4.0.8' },
  { name: 'utf-8-validate', version: '6.0.4' },
  { name: 'chokidar', version: '3.6.0', optionalDependencies: { fsevents: '2.3.3' } },
  { name: 'fsevents', version: '2.3.3', os: ['darwin'] },
];
const ROOT = { esbuild: '^0.21.0', sharp: '^0.33.0', ws: '^8.0.0', chokidar: '^3.0.0' };
const SRI = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
const bare = (name: string) => name.split('/').pop()!;
const url = (s: Spec) => `https://registry.npmjs.org/${s.name}/-/${bare(s.name)}-${s.version}.tgz`;
const allDeps = (s: Spec) => ({ ...s.dependencies, ...s.optionalDependencies });

function npm(): string {
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0', dependencies: ROOT } };
  const optional = new Set(SPECS.flatMap((s) => Object.keys(s.optionalDependencies ?? {})));
  for (const s of SPECS) {
    packages[`node_modules/${s.name}`] = {
      version: s.version, resolved: url(s), integrity: SRI,
      ...(s.cpu ? { cpu: s.cpu } : {}),
      ...(s.dependencies ? { dependencies: s.dependencies } : {}),
      ...(s.libc ? { libc: s.libc } : {}),
      ...(optional.has(s.name) ? { optional: true } : {}),
      ...(s.optionalDependencies ? { optionalDependencies: s.optionalDependencies } : {}),
      ...(s.os ? { os: s.os } : {}),
    };
  }
  return JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2);
}

function pnpm(): string {
  const list = (values: string[] | undefined, key: string) => (values ? [`    ${key}: [${values.join(', ')}]`] : []);
  const q = (s: string) => (s.startsWith('@') ? `'${s}'` : s);
  const lines = ["lockfileVersion: '9.0'", '', 'importers:', '', '  .:', '    dependencies:'];
  for (const [name, range] of Object.entries(ROOT)) {
    lines.push(`      ${name}:`, `        specifier: ${range}`, `        version: ${SPECS.find((s) => s.name === name)!.version}`);
  }
  lines.push('', 'packages:', '');
  for (const s of SPECS) lines.push(`  ${q(`${s.name}@${s.version}`)}:`, `    resolution: {integrity: ${SRI}}`, ...list(s.cpu, 'cpu'), ...list(s.libc, 'libc'), ...list(s.os, 'os'), '');
  lines.push('snapshots:', '');
  for (const s of SPECS) {
    const groups = ([['dependencies', s.dependencies], ['optionalDependencies', s.optionalDependencies]] as const).filter(([, d]) => d !== undefined);
    lines.push(`  ${q(`${s.name}@${s.version}`)}:${groups.length === 0 ? ' {}' : ''}`);
    for (const [group, deps] of groups) {
      lines.push(`    ${group}:`, ...Object.entries(deps!).map(([n, v]) => `      ${q(n)}: ${v}`));
    }
    lines.push('');
  }
  return lines.join('\n');
}

function yarnBerry(): string {
  const lines = ['__metadata:', '  version: 8', '  cacheKey: 10c0', ''];
  const entry = (key: string, version: string, resolution: string, deps: Record<string, string>, optional: string[], conditions?: string) => {
    lines.push(`"${key}":`, `  version: ${version}`, `  resolution: "${resolution}"`);
    if (Object.keys(deps).length > 0) lines.push('  dependencies:', ...Object.entries(deps).map(([n, r]) => `    "${n}": "${r}"`));
    if (optional.length > 0) lines.push('  dependenciesMeta:', ...optional.flatMap((n) => [`    "${n}":`, '      optional: true']));
    if (conditions !== undefined) lines.push(`  conditions: ${conditions}`);
    lines.push('  languageName: node', '  linkType: hard', '');
  };
  for (const s of SPECS) {
    const deps = Object.fromEntries(Object.entries(allDeps(s)).map(([n, v]) => [n, `npm:${v}`]));
    const conditions = [...(s.os ?? []).map((v) => `os=${v}`), ...(s.cpu ?? []).map((v) => `cpu=${v}`), ...(s.libc ?? []).map((v) => `libc=${v}`)].join(' & ');
    entry(`${s.name}@npm:${s.version}`, s.version, `${s.name}@npm:${s.version}`, deps, Object.keys(s.optionalDependencies ?? {}), conditions === '' ? undefined : conditions);
  }
  const root = Object.fromEntries(Object.keys(ROOT).map((n) => [n, `npm:${SPECS.find((s) => s.name === n)!.version}`]));
  lines.push('"app@workspace:.":', '  version: 0.0.0-use.local', '  resolution: "app@workspace:."', '  dependencies:', ...Object.entries(root).map(([n, r]) => `    ${n}: "${r}"`), '  languageName: unknown', '  linkType: soft', '');
  return lines.join('\n');
}

function yarnClassic(): string {
  const lines = ['# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.', '# yarn lockfile v1', '', ''];
  for (const s of SPECS) {
    lines.push(`"${s.name}@${ROOT[s.name as keyof typeof ROOT] ?? s.version}":`, `  version "${s.version}"`, `  resolved "${url(s)}"`, `  integrity ${SRI}`);
    for (const group of ['dependencies', 'optionalDependencies'] as const) {
      if (s[group]) lines.push(`  ${group}:`, ...Object.entries(s[group]!).map(([n, v]) => `    "${n}" "${v}"`));
    }
    lines.push('');
  }
  return lines.join('\n');
}

function bun(): string {
  const packages: Record<string, unknown> = {};
  for (const s of SPECS) {
    const info = {
      ...(s.dependencies ? { dependencies: s.dependencies } : {}),
      ...(s.optionalDependencies ? { optionalDependencies: s.optionalDependencies } : {}),
      ...(s.os ? { os: s.os.length === 1 ? s.os[0] : s.os } : {}),
      ...(s.cpu ? { cpu: s.cpu.length === 1 ? s.cpu[0] : s.cpu } : {}),
    };
    packages[s.name] = [`${s.name}@${s.version}`, '', info, SRI];
  }
  return JSON.stringify({ lockfileVersion: 1, workspaces: { '': { name: 'app', dependencies: ROOT } }, packages }, null, 2);
}

const MANIFEST = { name: 'app', version: '1.0.0', dependencies: ROOT };
const FORMATS: [string, string, () => string][] = [
  ['npm', 'package-lock.json', npm],
  ['pnpm', 'pnpm-lock.yaml', pnpm],
  ['yarn-berry', 'yarn.lock', yarnBerry],
  ['yarn-classic', 'yarn.lock', yarnClassic],
  ['bun', 'bun.lock', bun],
];

/** `member → parent glob` for every family member. */
function familyRows(lockfile: Lockfile): string[] {
  return [...platformFamilies(lockfile)].map(([p, f]) => `${p.name}@${p.version} → ${f.parent} ${f.glob ?? '(no glob)'}`).sort();
}

describe.each(FORMATS)('%s', (format, file, write) => {
  const lockfile = parseLockfile(write(), `/repo/${file}`, { rootManifest: MANIFEST });

  test('the text is read as that format, every package kept', () => {
    expect(lockfile.format).toBe(format);
    expect(lockfile.packages.map((p) => p.name).sort()).toEqual(SPECS.map((s) => s.name).sort());
  });

  test('optional dependency names, and os/cpu/libc where the format records them', () => {
    const of = (name: string) => lockfile.packages.find((p) => p.name === name)!;
    expect(of('esbuild').optionalDependencies).toEqual(['@esbuild/darwin-arm64', '@esbuild/linux-x64', '@esbuild/win32-x64']);
    expect(of('sharp').optionalDependencies).toEqual(['@img/sharp-darwin-arm64', '@img/sharp-libvips-linux-x64', '@img/sharp-linux-x64']);
    expect(of('sharp').dependencies).toHaveProperty('@img/colour');
    expect(of('@img/colour').optionalDependencies).toBeUndefined();
    const platform = format === 'yarn-classic' ? undefined : format === 'bun' ? { os: ['linux'], cpu: ['x64'] } : { os: ['linux'], cpu: ['x64'], libc: ['glibc'] };
    expect(of('@img/sharp-linux-x64').platform).toEqual(platform);
    expect(of('@img/colour').platform).toBeUndefined();
  });

  test('families: the platform variants of esbuild and sharp, each under one glob; ws, chokidar and @img/colour are no family', () => {
    const expected = [
      '@esbuild/darwin-arm64@0.21.5 → esbuild @esbuild/*',
      '@esbuild/linux-x64@0.21.5 → esbuild @esbuild/*',
      '@esbuild/win32-x64@0.21.5 → esbuild @esbuild/*',
      '@img/sharp-darwin-arm64@0.33.5 → sharp @img/sharp-*',
      '@img/sharp-libvips-linux-x64@1.0.4 → sharp @img/sharp-*',
      '@img/sharp-linux-x64@0.33.5 → sharp @img/sharp-*',
    ];
    expect(familyRows(lockfile)).toEqual(expected);
  });
});

describe('families', () => {
  const read = (text: string) => parseLockfile(text, '/repo/package-lock.json');

  test('a glob that would also match a package outside the family is not offered', () => {
    const data = JSON.parse(npm()) as { packages: Record<string, unknown> };
    data.packages['node_modules/@esbuild/not-a-platform'] = { version: '1.0.0', resolved: 'https://registry.npmjs.org/@esbuild/not-a-platform/-/not-a-platform-1.0.0.tgz', integrity: SRI };
    const rows = familyRows(read(JSON.stringify(data)));
    expect(rows.filter((r) => r.includes('esbuild'))).toEqual([
      '@esbuild/darwin-arm64@0.21.5 → esbuild (no glob)',
      '@esbuild/linux-x64@0.21.5 → esbuild (no glob)',
      '@esbuild/win32-x64@0.21.5 → esbuild (no glob)',
    ]);
  });

  test('two locked versions of a parent make one family of every version of its variants', () => {
    const data = JSON.parse(npm()) as { packages: Record<string, Record<string, unknown>> };
    data.packages['node_modules/vite/node_modules/esbuild'] = { ...data.packages['node_modules/esbuild'], version: '0.19.12', optionalDependencies: { '@esbuild/linux-x64': '0.19.12', '@esbuild/win32-x64': '0.19.12' } };
    data.packages['node_modules/vite/node_modules/@esbuild/linux-x64'] = { ...data.packages['node_modules/@esbuild/linux-x64'], version: '0.19.12' };
    data.packages['node_modules/vite/node_modules/@esbuild/win32-x64'] = { ...data.packages['node_modules/@esbuild/win32-x64'], version: '0.19.12' };
    const families = platformFamilies(read(JSON.stringify(data)));
    const esbuild = [...families].filter(([, f]) => f.parent === 'esbuild').map(([p]) => `${p.name}@${p.version}`).sort();
    expect(esbuild).toEqual(['@esbuild/darwin-arm64@0.21.5', '@esbuild/linux-x64@0.19.12', '@esbuild/linux-x64@0.21.5', '@esbuild/win32-x64@0.19.12', '@esbuild/win32-x64@0.21.5']);
    expect(new Set([...families.values()].filter((f) => f.parent === 'esbuild')).size).toBe(1);
  });

  test('platform values that are not short tokens are dropped (lockfiles are hostile input)', () => {
    const data = JSON.parse(npm()) as { packages: Record<string, Record<string, unknown>> };
    data.packages['node_modules/@esbuild/linux-x64']!['os'] = ['linux', '\u001b[2J', 'x'.repeat(100), 42, '!win32'];
    data.packages['node_modules/@esbuild/linux-x64']!['cpu'] = 'x64';
    const pkg = read(JSON.stringify(data)).packages.find((p) => p.name === '@esbuild/linux-x64')!;
    expect(pkg.platform).toEqual({ os: ['linux', '!win32'], cpu: ['x64'] });
  });
});
