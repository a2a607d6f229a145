/**
 * Annotated fixtures, semgrep-style: `// expect: shell` on the line above code that must report shell,
 * `// ok: shell` above code that must not. For every capability annotated in a file, the set of
 * (capability, line) pairs the engine reports must equal the expected set exactly: an unannotated line
 * that reports an annotated capability fails just like a missing `expect`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../capabilities/index.js';
import { analyzeSource } from '../../src/analyze/file.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const ANNOTATION = /^\s*\/\/\s*(expect|ok):\s*(.+?)\s*$/;
const ids = new Set(catalog.map((c) => c.id));

interface Annotations {
  capabilities: Set<string>;
  expected: Set<string>;
  ok: Set<string>;
}

const pair = (capability: string, line: number): string => `${capability} @ line ${line}`;

/**
 * Reads the annotations of a fixture; each applies to the next line that is not an annotation.
 * @throws Error on unknown capability ids, dangling annotations, or a line both expected and ok.
 */
function readAnnotations(file: string, source: string): Annotations {
  const lines = source.split(/\r?\n/);
  const result: Annotations = { capabilities: new Set(), expected: new Set(), ok: new Set() };
  let pending: { kind: string; capability: string }[] = [];
  lines.forEach((text, i) => {
    const m = ANNOTATION.exec(text);
    if (m) {
      for (const capability of m[2]!.split(',').map((s) => s.trim())) {
        if (!ids.has(capability)) throw new Error(`${file}:${i + 1}: unknown capability "${capability}" in annotation`);
        pending.push({ kind: m[1]!, capability });
      }
      return;
    }
    for (const a of pending) {
      result.capabilities.add(a.capability);
      (a.kind === 'expect' ? result.expected : result.ok).add(pair(a.capability, i + 1));
    }
    pending = [];
  });
  if (pending.length > 0) throw new Error(`${file}: annotation at the end of the file has no line to apply to`);
  for (const p of result.ok) if (result.expected.has(p)) throw new Error(`${file}: ${p} is annotated both expect and ok`);
  if (result.capabilities.size === 0) throw new Error(`${file}: fixture has no annotations`);
  return result;
}

const files = readdirSync(FIXTURES)
  .filter((f) => /\.(?:[cm]?js|jsx|[cm]?ts|tsx)$/.test(f))
  .sort();

describe('annotated fixtures', () => {
  it('has fixtures to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of files) {
    it(file, () => {
      const source = readFileSync(join(FIXTURES, file), 'utf8');
      const annotations = readAnnotations(file, source);
      const result = analyzeSource(source, file);
      const reported = new Set(
        result.findings.filter((f) => annotations.capabilities.has(f.capability)).map((f) => pair(f.capability, f.line)),
      );
      const missing = [...annotations.expected].filter((p) => !reported.has(p)).sort();
      const unexpected = [...reported].filter((p) => !annotations.expected.has(p)).sort();
      const reportedDespiteOk = [...annotations.ok].filter((p) => reported.has(p)).sort();
      expect({ errors: result.errors.map((e) => e.message), missing, unexpected, reportedDespiteOk }).toEqual({
        errors: [],
        missing: [],
        unexpected: [],
        reportedDespiteOk: [],
      });
    });
  }
});
