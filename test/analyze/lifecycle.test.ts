/** Lifecycle scripts read as commands: a table of scripts and the steps depcaps reads from them. */
import { describe, expect, it } from 'vitest';
import { readLifecycle, type LifecycleFiles, type ScriptStep } from '../../src/analyze/lifecycle.js';

const FILES: LifecycleFiles = {
  has: (p) => ['binding.gyp', 'install.js', 'build.sh', 'lib/x.js'].includes(p),
  readText: (p) =>
    p === 'build.sh'
      ? '#!/bin/sh\nset -e\ncd "$(dirname "$0")"\n# a comment: node not-run.js\nif [ -f lib/x.js ]; then\n  node lib/x.js\nfi\ncat <<EOF\nnode heredoc.js\nEOF\n./bin/helper --x\n'
      : undefined,
  impliedInstall: { file: 'binding.gyp', flag: 'gypfile' },
};

/** A step as the table writes it: kind, then what it names. */
function brief(s: ScriptStep): string {
  const what = s.file ?? s.program ?? (s.code !== undefined ? `code:${s.code}` : '');
  return [s.kind, what, s.cwd ? `cwd=${s.cwd}` : '', s.preload ? `preload=${s.preload.join(',')}` : '', s.via.length > 1 ? `via=${s.via.join('>')}` : '', s.note ? `note` : '']
    .filter(Boolean)
    .join(' ');
}

function stepsOf(scripts: Record<string, string>, event = 'postinstall', extra: Record<string, unknown> = {}): string[] {
  const read = readLifecycle({ scripts, gypfile: false, ...extra }, FILES);
  return read.find((s) => s.event === event)?.steps.map(brief) ?? [];
}

describe('a lifecycle script read as commands', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['node runs a file', { postinstall: 'node install.js' }, ['node install.js']],
    ['node with options, preloads and arguments', { postinstall: 'node --max-old-space-size=4096 -r ./hook.js --conditions x install.js --flag' }, ['node install.js preload=./hook.js']],
    ['node -e inline code', { postinstall: 'node -e "try{require(\'./postinstall\')}catch(e){}"' }, ["node-eval code:try{require('./postinstall')}catch(e){}"]],
    ['node -p, --eval=', { postinstall: 'node -p 1 && node --eval=2' }, ['node-eval code:1', 'node-eval code:2']],
    ['leading VAR=value assignments and cross-env', { postinstall: 'FOO=1 BAR="a b" cross-env BAZ=2 node ./install.js' }, ['node ./install.js']],
    ['env and npx wrappers', { postinstall: 'env -u X node install.js; npx --no-install opencollective-postinstall' }, ['node install.js', 'program opencollective-postinstall note']],
    ['&&, ||, ; and | chains', { postinstall: 'prebuild-install || node-gyp rebuild && echo ok; curl -s https://x.example | sh' }, ['program prebuild-install', 'program node-gyp', 'program curl', 'shell note']],
    ['cd changes where later files are found', { postinstall: 'cd lib && node x.js' }, ['node x.js cwd=lib']],
    ['sh and bash run a file; -c runs a command line', { postinstall: 'bash -ec "node install.js" && sh ./other.sh' }, ['node install.js', 'shell ./other.sh']],
    ['a path runs the file directly', { postinstall: './scripts/setup --fast' }, ['file ./scripts/setup']],
    ['a dependency program by its node_modules path is a program', { postinstall: './node_modules/.bin/node-gyp rebuild' }, ['program node-gyp']],
    ['Windows: start /B and cmd /c', { postinstall: 'start /B node install.js & cmd /c "node install.js"' }, ['node install.js', 'node install.js']],
    ['redirections are not words', { postinstall: 'node install.js > /dev/null 2>&1 </dev/null' }, ['node install.js']],
    ['a program named by a variable is said to be', { postinstall: '$NODE install.js' }, ['program $NODE note']],
  ])('%s', (_name, scripts, expected) => {
    expect(stepsOf(scripts)).toEqual(expected);
  });

  it('node . is read (the graph resolves it to the main)', () => {
    expect(stepsOf({ install: 'node .' }, 'install')).toEqual(['node .']);
  });

  it('npm run follows the script, with its pre and post scripts, through every package manager', () => {
    const scripts = { postinstall: 'npm run setup', presetup: 'node a.js', setup: 'yarn build && pnpm run fetch', postsetup: 'node c.js', build: 'node b.js', fetch: 'bun run dl', dl: 'node d.js' };
    expect(stepsOf(scripts)).toEqual([
      'node a.js via=postinstall>presetup',
      'node b.js via=postinstall>setup>build',
      'node d.js via=postinstall>setup>fetch>dl',
      'node c.js via=postinstall>postsetup',
    ]);
  });

  it('a cycle of scripts ends with a note, and so does a missing script', () => {
    expect(stepsOf({ postinstall: 'npm run a', a: 'npm run b', b: 'npm run a && npm run missing' })).toEqual(['program npm run a via=postinstall>a>b note', 'program npm run missing via=postinstall>a>b note']);
  });

  it('a shell file the script runs is read line by line: comments, heredocs and `cd "$(dirname "$0")"` understood', () => {
    expect(stepsOf({ postinstall: 'sh build.sh' })).toEqual(['shell build.sh', 'node lib/x.js via=postinstall>build.sh', 'file ./bin/helper via=postinstall>build.sh']);
  });

  it('command substitutions are read as commands too', () => {
    expect(stepsOf({ postinstall: 'echo "$(node install.js)"' })).toEqual(['node install.js']);
  });

  it('reports preinstall, install, postinstall on every install and prepare as git-only, in npm order', () => {
    const read = readLifecycle({ scripts: { prepare: 'husky install', postinstall: 'node install.js', preinstall: 'node install.js', test: 'vitest' }, gypfile: false }, FILES);
    expect(read.map((s) => `${s.event}:${s.when}`)).toEqual(['preinstall:always', 'postinstall:always', 'prepare:git']);
  });

  it('a binding.gyp without install or preinstall script is the implied install: node-gyp rebuild', () => {
    const read = readLifecycle({ scripts: { postinstall: 'node install.js' } }, FILES);
    expect(read.map((s) => `${s.event}:${s.command}:${s.implied ?? false}`)).toEqual(['install:node-gyp rebuild:true', 'postinstall:node install.js:false']);
    expect(read[0]!.steps[0]!.compiles).toBe(true);
    expect(readLifecycle({ scripts: { install: 'prebuild-install' } }, FILES).map((s) => s.command)).toEqual(['prebuild-install']);
    expect(readLifecycle({ gypfile: false }, FILES)).toEqual([]);
  });

  it('hostile scripts stay bounded: long chains, deep nesting, huge text', () => {
    const scripts: Record<string, string> = { postinstall: 'npm run s0' };
    for (let i = 0; i < 50; i++) scripts[`s${i}`] = `node f${i}.js && npm run s${i + 1}`;
    const steps = stepsOf(scripts);
    expect(steps.length).toBeLessThan(20);
    expect(steps.at(-1)).toContain('note');
    const deep = 'bash -c "'.repeat(40) + 'node x.js' + '"'.repeat(40);
    expect(() => stepsOf({ postinstall: deep })).not.toThrow();
    expect(stepsOf({ postinstall: `node x.js && ${'echo a; '.repeat(50_000)}` })[0]).toBe('node x.js');
  });
});
