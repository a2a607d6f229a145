/**
 * The V8 arbiter's thread: compiles, never runs, the files Babel could not parse (arbiter.ts). Started
 * with --experimental-vm-modules so that ES modules can be compiled too; it loads no parser.
 */
import { parentPort } from 'node:worker_threads';
import { compileAsNode, type CompileVerdict } from './arbiter.js';
import { decodeSource, nodeSourceKinds } from './source.js';

/** One file to judge. */
export interface ArbiterItem {
  id: number;
  path: string;
  data: Uint8Array;
}

parentPort?.on('message', (item: ArbiterItem) => {
  const decoded = decodeSource(item.data);
  const verdict: CompileVerdict = decoded.binary ? { kind: 'undecided', why: 'binary content' } : compileAsNode(decoded.text, nodeSourceKinds(item.path));
  parentPort!.postMessage({ id: item.id, verdict });
});

parentPort?.postMessage({ ready: true });
