import { parseExpression } from '@babel/parser';
import type { Node, ObjectExpression } from '@babel/types';
import type { Anomaly, Finding } from '../contract/index.js';
import { defaultCatalogIndex, type CatalogIndex } from './catalog-index.js';
import { excerptAt } from './excerpt.js';
import { isBuffered, magicKind, type BufferedSource, type SourceFile } from './intake.js';

/** A file as the manifest analysis sees it: its bytes, or its summary (size, hash, head, magic kind). */
export type ManifestInput = SourceFile;

/** Findings from package.json and from files recognised by name or magic bytes. */
export interface ManifestAnalysis {
  findings: Finding[];
  anomalies: Anomaly[];
  /** The root package.json, when it parsed to a JSON object. */
  manifest?: Record<string, unknown>;
  /** Where each script's value stands in package.json (evidence for code a script runs inline). */
  scriptPositions: Map<string, { line: number; column: number; excerpt: string }>;
}

const MANIFEST = 'package.json';

function keyName(node: Node): string | undefined {
  if (node.type === 'StringLiteral') return node.value;
  if (node.type === 'Identifier') return node.name;
  return undefined;
}

/** The last property named `key` (JSON.parse keeps the last duplicate, so do we). */
function lastProperty(obj: ObjectExpression, key: string): { key: Node; value: Node } | undefined {
  let found: { key: Node; value: Node } | undefined;
  for (const p of obj.properties) {
    if (p.type === 'ObjectProperty' && keyName(p.key) === key) found = { key: p.key, value: p.value as Node };
  }
  return found;
}

function positionOf(node: Node): { line: number; column: number; offset: number } {
  return { line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1, offset: node.start ?? 0 };
}

/**
 * Install scripts from the tarball's own package.json (never the packument's: the tarball is what runs),
 * the implied `node-gyp rebuild` of a root binding.gyp, and native code recognised by extension or by
 * magic bytes (never by name alone: an ELF renamed `index.js` is still an ELF).
 */
export function analyzeManifest(files: readonly ManifestInput[], index: CatalogIndex = defaultCatalogIndex()): ManifestAnalysis {
  const findings: Finding[] = [];
  const anomalies: Anomaly[] = [];
  const paths = new Set(files.map((f) => f.path));
  // Files held whole are probed here; summaries were probed as they streamed.
  const kinds = new Map<SourceFile, string | undefined>();
  const kindOf = (f: SourceFile): string | undefined => {
    if (!isBuffered(f)) return f.magic;
    if (!kinds.has(f)) kinds.set(f, magicKind(f.data, index));
    return kinds.get(f);
  };
  // A manifest over the size limit is known by its summary only: the reader reported it as not read.
  const manifestFile = files.find((f): f is BufferedSource => f.path === MANIFEST && isBuffered(f));
  let text = '';
  let manifest: Record<string, unknown> | undefined;
  let ast: ObjectExpression | undefined;
  if (manifestFile) {
    text = Buffer.from(manifestFile.data).toString('utf8').replace(/^\uFEFF/, '');
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) manifest = parsed as Record<string, unknown>;
      else anomalies.push({ file: MANIFEST, kind: 'invalid-manifest', message: 'package.json is not a JSON object' });
    } catch (err) {
      anomalies.push({ file: MANIFEST, kind: 'invalid-manifest', message: `package.json is not valid JSON: ${(err as Error).message}` });
    }
    try {
      // Positions come from a JavaScript parse of the same text; it also reads what JSON.parse rejects
      // (a trailing comma), so install scripts in a sloppy manifest are still reported.
      const expr = parseExpression(text, { errorRecovery: true });
      if (expr.type === 'ObjectExpression') ast = expr;
    } catch {
      // Only positions are lost; the anomaly above already says the manifest is broken.
    }
  }

  const add = (capability: string, api: string, file: string, line: number, column: number, excerpt: string): void => {
    findings.push({ capability, api, file, line, column, excerpt, confidence: 'high' });
  };

  const scriptPositions = new Map<string, { line: number; column: number; excerpt: string }>();
  const scriptsNode = ast ? lastProperty(ast, 'scripts') : undefined;
  if (scriptsNode?.value.type === 'ObjectExpression') {
    for (const p of scriptsNode.value.properties) {
      if (p.type !== 'ObjectProperty') continue;
      const name = keyName(p.key);
      if (name === undefined) continue;
      const pos = positionOf(p.value as Node);
      scriptPositions.set(name, { line: pos.line, column: pos.column, excerpt: excerptAt(text, pos.offset, pos.column - 1) });
    }
  }

  for (const cap of index.capabilities) {
    const m = cap.manifest;
    if (m?.scripts && ast) {
      const scripts = lastProperty(ast, 'scripts');
      if (scripts && scripts.value.type !== 'ObjectExpression') {
        anomalies.push({ file: MANIFEST, kind: 'invalid-manifest', message: 'package.json "scripts" is not an object' });
      }
      const declared = new Set<string>();
      if (scripts?.value.type === 'ObjectExpression') {
        for (const name of m.scripts) {
          const prop = lastProperty(scripts.value, name);
          if (!prop) continue;
          declared.add(name);
          const body = prop.value.type === 'StringLiteral' ? prop.value.value : '';
          const commands = Object.entries(m.commands ?? {})
            .filter(([, source]) => new RegExp(source, 'i').test(body.slice(0, 65_536)))
            .map(([label]) => label);
          const api = commands.length > 0 ? `${name}: ${commands.join(', ')}` : name;
          const pos = positionOf(prop.key);
          add(cap.id, api, MANIFEST, pos.line, pos.column, excerptAt(text, pos.offset, pos.column - 1));
        }
      }
      const implied = m.impliedInstallFile;
      const flagOff = m.impliedInstallFlag !== undefined && manifest?.[m.impliedInstallFlag] === false;
      if (implied && paths.has(implied) && !flagOff && !declared.has('install') && !declared.has('preinstall')) {
        add(cap.id, 'install (implied: node-gyp rebuild)', implied, 1, 1, `${implied} without an install script: npm runs node-gyp rebuild`);
      }
    } else if (m?.scripts && manifest === undefined && m.impliedInstallFile && paths.has(m.impliedInstallFile)) {
      add(cap.id, 'install (implied: node-gyp rebuild)', m.impliedInstallFile, 1, 1, `${m.impliedInstallFile}: npm runs node-gyp rebuild`);
    }
    const presence = new Set(m?.presenceFiles ?? []);
    const extensions = cap.files?.extensions ?? [];
    const magic = Object.entries(cap.files?.magic ?? {});
    if (presence.size === 0 && extensions.length === 0 && magic.length === 0) continue;
    for (const f of files) {
      const base = f.path.slice(f.path.lastIndexOf('/') + 1);
      const head = isBuffered(f) ? f.data.subarray(0, 512) : f.head;
      const size = isBuffered(f) ? f.data.length : f.size;
      if (presence.has(base)) {
        add(cap.id, base, f.path, 1, 1, excerptAt(Buffer.from(head).toString('utf8'), 0, 0));
        continue;
      }
      const ext = extensions.find((e) => base.toLowerCase().endsWith(e));
      const found = magic.length > 0 ? kindOf(f) : undefined;
      const kind = found !== undefined ? magic.find(([name]) => name === found) : undefined;
      if (kind) add(cap.id, `${kind[0]} binary`, f.path, 1, 1, `${kind[0]} binary (${size} bytes)`);
      else if (ext) add(cap.id, `${ext} file`, f.path, 1, 1, `${ext} file (${size} bytes)`);
    }
  }
  return { findings, anomalies, ...(manifest !== undefined ? { manifest } : {}), scriptPositions };
}
