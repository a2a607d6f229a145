/**
 * The module graph on synthetic packages (paths, a manifest and module facts; no bytes, no parse):
 * entry points, Node's resolution, and the `runs` verdicts with their precedence.
 */
import { describe, expect, it } from 'vitest';
import { readLifecycle } from '../../src/analyze/lifecycle.js';
import { buildModuleGraph, type GraphInput } from '../../src/analyze/module-graph.js';
import type { ModuleFacts } from '../../src/analyze/module-facts.js';

/** Facts from a compact spelling: `'./a'` loads at load time, `'~./b'` only from a function. */
function facts(specs: string[] = [], extra: Partial<ModuleFacts> = {}): ModuleFacts {
  return { specifiers: specs.map((s) => (s.startsWith('~') ? { spec: s.slice(1), load: false } : { spec: s, load: true })), dynamic: [], callTime: [], ...extra };
}

function graph(manifest: Record<string, unknown> | undefined, modules: Record<string, ModuleFacts | undefined>, others: string[] = [], dirMains: Record<string, string> = {}) {
  const paths = [...Object.keys(modules), ...others, ...(manifest ? ['package.json'] : [])];
  const input: GraphInput = {
    paths,
    manifest,
    dirMains: new Map(Object.entries(dirMains)),
    modules: new Map(Object.entries(modules)),
    lifecycle: readLifecycle(manifest, { has: (p) => paths.includes(p), impliedInstall: { file: 'binding.gyp', flag: 'gypfile' } }),
    inline: [],
    buildFile: 'binding.gyp',
  };
  return buildModuleGraph(input);
}

/** `runs` of top-level code in each file (and `fn` for code inside functions). */
function runs(g: ReturnType<typeof graph>, files: string[], atLoad = true): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, g.runsOf(f, atLoad).runs]));
}

describe('entry points', () => {
  it('main, and index.js when there is no main or it names nothing', () => {
    expect(runs(graph({ name: 'p', main: 'lib/main' }, { 'lib/main.js': facts(), 'index.js': facts() }), ['lib/main.js', 'index.js'])).toEqual({ 'lib/main.js': 'import', 'index.js': 'unreached' });
    expect(runs(graph({ name: 'p' }, { 'index.js': facts() }), ['index.js'])).toEqual({ 'index.js': 'import' });
    expect(runs(graph({ name: 'p', main: 'gone.js' }, { 'index.js': facts() }), ['index.js'])).toEqual({ 'index.js': 'import' });
    expect(runs(graph({ name: 'p', main: './lib' }, { 'lib/index.js': facts() }), ['lib/index.js'])).toEqual({ 'lib/index.js': 'import' });
  });

  it('module, browser (string and object), and bundler fields', () => {
    const g = graph(
      { name: 'p', main: 'a.js', module: 'esm/a.mjs', browser: { './a.js': './browser/a.js', fs: false }, 'react-native': 'rn.js', unpkg: 'dist/p.min.js' },
      { 'a.js': facts(), 'esm/a.mjs': facts(), 'browser/a.js': facts(), 'rn.js': facts(), 'dist/p.min.js': facts(), 'other.js': facts() },
    );
    expect(runs(g, ['esm/a.mjs', 'browser/a.js', 'rn.js', 'dist/p.min.js', 'other.js'])).toEqual({ 'esm/a.mjs': 'import', 'browser/a.js': 'import', 'rn.js': 'import', 'dist/p.min.js': 'import', 'other.js': 'unreached' });
    expect(graph({ name: 'p', browser: 'b.js' }, { 'b.js': facts() }).runsOf('b.js', true).runs).toBe('import');
  });

  it('every exports target under every condition, subpath patterns expanded, null targets blocked', () => {
    const g = graph(
      {
        name: 'p',
        exports: {
          '.': { node: { import: './esm/node.mjs', require: './cjs/node.cjs' }, browser: './browser.js', default: ['./fallback.js'] },
          './features/*': './src/features/*.js',
          './internal/*': null,
          './package.json': './package.json',
        },
      },
      { 'esm/node.mjs': facts(), 'cjs/node.cjs': facts(), 'browser.js': facts(), 'fallback.js': facts(), 'src/features/a.js': facts(), 'src/features/deep/b.js': facts(), 'src/other.js': facts() },
    );
    expect(runs(g, ['esm/node.mjs', 'cjs/node.cjs', 'browser.js', 'fallback.js', 'src/features/a.js', 'src/features/deep/b.js', 'src/other.js'])).toEqual({
      'esm/node.mjs': 'import',
      'cjs/node.cjs': 'import',
      'browser.js': 'import',
      'fallback.js': 'import',
      'src/features/a.js': 'import',
      'src/features/deep/b.js': 'import',
      'src/other.js': 'unreached',
    });
    expect(runs(graph({ name: 'p', exports: './only.js' }, { 'only.js': facts() }), ['only.js'])).toEqual({ 'only.js': 'import' });
  });

  it('bins, in both forms and through directories.bin, run when called', () => {
    expect(runs(graph({ name: 'p', bin: 'cli.js' }, { 'cli.js': facts(['./lib']), 'lib/index.js': facts() }), ['cli.js', 'lib/index.js'])).toEqual({ 'cli.js': 'call', 'lib/index.js': 'call' });
    expect(runs(graph({ name: 'p', bin: { a: './bin/a', b: 'bin/b.js' } }, { 'bin/a': facts(), 'bin/b.js': facts() }), ['bin/a', 'bin/b.js'])).toEqual({ 'bin/a': 'call', 'bin/b.js': 'call' });
    expect(runs(graph({ name: 'p', directories: { bin: './tools' } }, { 'tools/x.js': facts() }), ['tools/x.js'])).toEqual({ 'tools/x.js': 'call' });
  });

  it('without a manifest (a single file), every code file is an entry', () => {
    expect(runs(graph(undefined, { 'x.js': facts() }), ['x.js'])).toEqual({ 'x.js': 'import' });
  });
});

describe('edges, resolved the way Node resolves them', () => {
  it('extensions, index files, a subdirectory package.json main, and TypeScript sources', () => {
    const g = graph(
      { name: 'p', main: 'index.js' },
      { 'index.js': facts(['./a', './b', './c', './d.js', '../outside', './data']), 'a.js': facts(), 'b/index.js': facts(), 'c/lib/entry.js': facts(), 'd.ts': facts(), 'data.json': undefined },
      [],
      { c: './lib/entry' },
    );
    expect(runs(g, ['a.js', 'b/index.js', 'c/lib/entry.js', 'd.ts'])).toEqual({ 'a.js': 'import', 'b/index.js': 'import', 'c/lib/entry.js': 'import', 'd.ts': 'import' });
  });

  it('self-reference through exports, or to the installed package itself without exports', () => {
    const withExports = graph({ name: '@s/p', main: 'index.js', exports: { '.': './index.js', './util': './lib/util.js' } }, { 'index.js': facts(['@s/p/util']), 'lib/util.js': facts(), 'lib/secret.js': facts() });
    expect(runs(withExports, ['lib/util.js', 'lib/secret.js'])).toEqual({ 'lib/util.js': 'import', 'lib/secret.js': 'unreached' });
    const without = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts(['p/lib/x']), 'lib/x.js': facts() });
    expect(runs(without, ['lib/x.js'])).toEqual({ 'lib/x.js': 'import' });
  });

  it('subpath imports (#internal) with conditions', () => {
    const g = graph({ name: 'p', main: 'index.js', imports: { '#dep': { node: './lib/dep-node.js', default: './lib/dep.js' } } }, { 'index.js': facts(['#dep']), 'lib/dep-node.js': facts(), 'lib/dep.js': facts() });
    expect(runs(g, ['lib/dep-node.js', 'lib/dep.js'])).toEqual({ 'lib/dep-node.js': 'import', 'lib/dep.js': 'import' });
  });

  it('a module loaded only from inside a function runs at call time, even at its top level', () => {
    const g = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts(['~./lazy']), 'lazy.js': facts(['./deep']), 'deep.js': facts() });
    expect(runs(g, ['index.js', 'lazy.js', 'deep.js'])).toEqual({ 'index.js': 'import', 'lazy.js': 'call', 'deep.js': 'call' });
    expect(g.runsOf('index.js', false).runs).toBe('call');
  });

  it('a file named in a call (a child process, a worker) is reached, never at import', () => {
    const g = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts([], { fileNames: ['./worker.js', 'bin/tool.js'] }), 'worker.js': facts(), 'bin/tool.js': facts() });
    expect(runs(g, ['worker.js', 'bin/tool.js'])).toEqual({ 'worker.js': 'call', 'bin/tool.js': 'call' });
  });
});

describe('install time', () => {
  it('what a lifecycle script runs, and everything it loads, is install; earliest wins', () => {
    const g = graph(
      { name: 'p', main: 'index.js', scripts: { postinstall: 'node scripts/setup.js' } },
      { 'index.js': facts(['./scripts/net']), 'scripts/setup.js': facts(['./net']), 'scripts/net.js': facts() },
    );
    expect(runs(g, ['scripts/setup.js', 'scripts/net.js', 'index.js'])).toEqual({ 'scripts/setup.js': 'install', 'scripts/net.js': 'install', 'index.js': 'import' });
    expect(g.runsOf('scripts/net.js', false)).toEqual({ runs: 'install', reason: 'postinstall: node scripts/setup.js (loaded from scripts/setup.js)' });
    expect(g.installFiles).toEqual(['scripts/net.js', 'scripts/setup.js']);
  });

  it('prepare is install, said to run only from git', () => {
    const g = graph({ name: 'p', scripts: { prepare: 'node build.js' } }, { 'build.js': facts() });
    expect(g.runsOf('build.js', true)).toEqual({ runs: 'install', reason: 'prepare: node build.js (prepare runs only when the package is installed from git)' });
  });

  it('node . runs the main; cd and preloads are followed; shell files count as install files', () => {
    const g = graph({ name: 'p', main: 'lib/main.js', scripts: { install: 'node .', postinstall: 'cd tools && node -r ./hook setup && sh ./x.sh' } }, { 'lib/main.js': facts(), 'tools/hook.js': facts(), 'tools/setup.js': facts() }, ['tools/x.sh']);
    expect(runs(g, ['lib/main.js', 'tools/hook.js', 'tools/setup.js'])).toEqual({ 'lib/main.js': 'install', 'tools/hook.js': 'install', 'tools/setup.js': 'install' });
    expect(g.installFiles).toEqual(['lib/main.js', 'tools/hook.js', 'tools/setup.js', 'tools/x.sh']);
  });

  it('binding.gyp is install when node-gyp builds it (implied or named), and not otherwise', () => {
    expect(graph({ name: 'p' }, {}, ['binding.gyp']).runsOf('binding.gyp', true).runs).toBe('install');
    expect(graph({ name: 'p', scripts: { install: 'prebuild-install || node-gyp rebuild' } }, {}, ['binding.gyp']).runsOf('binding.gyp', true).runs).toBe('install');
    expect(graph({ name: 'p', gypfile: false }, {}, ['binding.gyp']).runsOf('binding.gyp', true).runs).toBe('unreached');
  });
});

describe('unresolved loads: never unreached when something reachable could load the file', () => {
  it('an unresolved require in a reachable module makes every other file call, with the reason', () => {
    const g = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts([], { dynamic: [{ kind: 'require', line: 3, column: 5, load: true }] }), 'plugins/a.js': facts(), 'test/a.test.js': facts() });
    expect(g.runsOf('test/a.test.js', true)).toEqual({ runs: 'call', reason: 'may be loaded by the unresolved require at index.js:3:5' });
  });

  it('a constant prefix narrows what it can load', () => {
    const g = graph({ name: 'p', main: 'lib/index.js' }, { 'lib/index.js': facts([], { dynamic: [{ kind: 'require', line: 1, column: 1, prefix: './locale/', load: false }] }), 'lib/locale/fr.js': facts(), 'test/a.test.js': facts() });
    expect(runs(g, ['lib/locale/fr.js', 'test/a.test.js'])).toEqual({ 'lib/locale/fr.js': 'call', 'test/a.test.js': 'unreached' });
    const other = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts([], { dynamic: [{ kind: 'import', line: 1, column: 1, prefix: '@babel/', load: true }] }), 'test/a.test.js': facts() });
    expect(other.runsOf('test/a.test.js', true).runs).toBe('unreached');
  });

  it('an unresolved load in install-time code may load files at install, and what they load', () => {
    const g = graph({ name: 'p', scripts: { postinstall: 'node setup.js' } }, { 'setup.js': facts([], { dynamic: [{ kind: 'require', line: 2, column: 1, load: true }] }), 'payload.js': facts(['./stage2']), 'stage2.js': facts() });
    expect(runs(g, ['payload.js', 'stage2.js'])).toEqual({ 'payload.js': 'install', 'stage2.js': 'install' });
    expect(g.runsOf('payload.js', true).reason).toBe('may be loaded by the unresolved require at setup.js:2:1, which runs at install');
  });

  it('a reachable file that was not analysed loads unknown files', () => {
    const g = graph({ name: 'p', main: 'index.js' }, { 'index.js': undefined, 'other.js': facts() });
    expect(g.runsOf('other.js', true)).toEqual({ runs: 'call', reason: 'index.js was not fully analysed: what it loads is unknown' });
  });

  it('binaries are loaded by path at run time: never claimed unreached', () => {
    const g = graph({ name: 'p', main: 'index.js' }, { 'index.js': facts(['./build/Release/addon.node']) }, ['build/Release/addon.node', 'prebuilds/linux-x64/p.node']);
    expect(runs(g, ['build/Release/addon.node', 'prebuilds/linux-x64/p.node'])).toEqual({ 'build/Release/addon.node': 'import', 'prebuilds/linux-x64/p.node': 'call' });
  });
});
