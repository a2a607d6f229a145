import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../src/analyze/file.js';

describe('evaluation of long call chains', () => {
  it('a 3,000-link method chain is evaluated once per call (regenerate-unicode-properties never finished before)', () => {
    const chain = ".addRange(0x41, 0x5A)".repeat(3000);
    const src = `const set = require('regenerate')();\nset${chain};\nrequire('child_process').execSync(set.toString());\n`;
    const r = analyzeSource(src, 'chain.js');
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.capability}:${f.api}:${f.line}`).sort()).toEqual(['shell:child_process.execSync:3', 'shell:child_process:3']);
    expect(r.imports).toEqual(['regenerate']);
  });
});
