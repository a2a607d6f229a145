import { describe, expect, it } from 'vitest';
import { diffDependencies } from '../../src/diff/dependencies.js';
import { riskOf } from '../../src/diff/risk.js';
import { diffCapabilities, diffFindings } from '../../src/diff/own.js';
import type { Finding } from '../../src/contract/index.js';

const f = (capability: string, api: string, file: string, line: number, excerpt: string): Finding => ({ capability, api, file, line, column: 1, excerpt, confidence: 'high' });

describe('diffFindings', () => {
  it('matches by (capability, api, file, excerpt), not by line: moved code is not new', () => {
    const from = [f('network', 'https.get', 'lib/a.js', 3, "https.get(url)")];
    const to = [f('network', 'https.get', 'lib/a.js', 40, '  https.get(url);')];
    expect(diffFindings(from, to)).toEqual({ newFindings: [], goneFindings: [] });
  });

  it('a renamed file or code moved between files is not new', () => {
    const from = [f('shell', 'child_process.exec', 'lib/run.js', 3, 'cp.exec(cmd)'), f('env', 'process.env.HOME', 'lib/run.js', 9, 'process.env.HOME')];
    const to = [f('shell', 'child_process.exec', 'src/exec.js', 1, 'cp.exec(cmd)'), f('env', 'process.env.HOME', 'src/home.js', 2, 'process.env.HOME')];
    expect(diffFindings(from, to)).toEqual({ newFindings: [], goneFindings: [] });
  });

  it('counts duplicates: a second identical call is new', () => {
    const one = f('eval', 'eval', 'x.js', 1, 'eval(code)');
    const r = diffFindings([one], [one, { ...one, line: 7 }]);
    expect(r.newFindings).toHaveLength(1);
    expect(r.goneFindings).toEqual([]);
  });

  it('reports new and gone findings with their location', () => {
    const r = diffFindings([f('filesystem', 'fs.readFileSync', 'a.js', 2, "fs.readFileSync('x')")], [f('network', 'https.request', 'a.js', 5, 'https.request(o)')]);
    expect(r.newFindings).toEqual([{ capability: 'network', api: 'https.request', file: 'a.js', line: 5, column: 1, excerpt: 'https.request(o)', confidence: 'high' }]);
    expect(r.goneFindings.map((g) => g.api)).toEqual(['fs.readFileSync']);
  });
});

describe('diffCapabilities, diffDependencies, riskOf', () => {
  it('splits capabilities', () => {
    expect(diffCapabilities(['env', 'filesystem'], ['filesystem', 'network'])).toEqual({ added: ['network'], removed: ['env'], unchanged: ['filesystem'] });
  });

  it('diffs dependencies, optional and peer ones included', () => {
    const empty = { dependencies: {}, optionalDependencies: {}, peerDependencies: {} };
    expect(
      diffDependencies(
        { ...empty, dependencies: { a: '^1.0.0', b: '^2.0.0' }, peerDependencies: { p: '*' } },
        { ...empty, dependencies: { a: '^1.1.0', c: '1.0.0' }, optionalDependencies: { o: '^3' } },
      ),
    ).toEqual({ added: { c: '1.0.0', o: '^3' }, removed: { b: '^2.0.0', p: '*' }, changed: { a: { from: '^1.0.0', to: '^1.1.0' } } });
  });

  it('ranks risk by catalog severity', () => {
    expect(riskOf(['shell'], 0)).toBe('high');
    expect(riskOf(['install-script', 'env'], 0)).toBe('high');
    expect(riskOf(['filesystem'], 0)).toBe('medium');
    expect(riskOf(['dynamic-require'], 3)).toBe('medium');
    expect(riskOf([], 2)).toBe('low');
    expect(riskOf([], 0)).toBe('none');
  });
});
