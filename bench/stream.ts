/**
 * Streaming benchmark: a synthetic package of 30 MB and of 300 MB, served from disk by a registry on
 * 127.0.0.1, scanned by the CLI in a child process with no cache. Two shapes: a prebuilt binary
 * (random bytes behind an ELF header: a platform package such as @next/swc-*), and one JavaScript
 * file over the parse limit (`--max-file-bytes 8MiB` at both sizes: scanned lexically as it streams).
 * Peak RSS must not grow with the size.
 */
import { spawn } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';

const MB = 1024 * 1024;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

type Shape = 'binary' | 'code';

/** Writes `size` MB of the shape's payload into a package directory and packs it (gzip level 1). */
async function buildTarball(dir: string, shape: Shape, sizeMb: number): Promise<string> {
  const name = `big-${shape}`;
  const pkg = join(dir, `${shape}-${sizeMb}`, 'package');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: `${sizeMb}.0.0` }));
  writeFileSync(join(pkg, 'index.js'), "module.exports = require('./bin/load.js');\n");
  writeFileSync(join(pkg, 'bin', 'load.js'), "module.exports = process.dlopen;\n");
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  const out = createWriteStream(join(pkg, shape === 'binary' ? 'bin/engine.node' : 'dist/bundle.js'));
  const chunk = Buffer.alloc(MB);
  for (let i = 0; i < sizeMb; i++) {
    if (shape === 'binary') {
      randomFillSync(chunk);
      if (i === 0) Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(chunk);
    } else {
      // Minified-looking code, one line per MB, with a network call in every MB.
      const line = `var a${i}=function(){return require('https').get('https://example.com/${i}')};`;
      chunk.fill(`${line}${'x=1;'.repeat(64)}`);
      chunk[MB - 1] = 0x0a;
    }
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.end(() => resolve());
  });
  const file = join(dir, `${name}-${sizeMb}.tgz`);
  await pipeline(create({ cwd: join(dir, `${shape}-${sizeMb}`), gzip: { level: 1 }, portable: true }, ['package']), createWriteStream(file));
  rmSync(join(dir, `${shape}-${sizeMb}`), { recursive: true, force: true });
  return file;
}

async function sha512(file: string): Promise<string> {
  const h = createHash('sha512');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return `sha512-${h.digest('base64')}`;
}

/** A registry serving one version of each package, its tarball streamed from disk. */
async function serve(tarballs: Map<string, { file: string; version: string; integrity: string }>) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '/');
    for (const [name, t] of tarballs) {
      if (path === `/${name}`) {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const body = JSON.stringify({ name, 'dist-tags': { latest: t.version }, versions: { [t.version]: { name, version: t.version, dist: { tarball: `${base}/${name}/-/${name}-${t.version}.tgz`, integrity: t.integrity } } } });
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        return;
      }
      if (path === `/${name}/-/${name}-${t.version}.tgz`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(statSync(t.file).size) });
        createReadStream(t.file).pipe(res);
        return;
      }
    }
    res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Runs `depcaps scan <spec> --json --no-cache` in a child; its report and peak RSS. */
function scanChild(root: string, spec: string, registry: string, extra: string[]): Promise<{ report: { status: string; capabilities: string[]; errors: unknown[]; stats: { tarballBytes?: number } }; rssMb: number; ms: number }> {
  const child = join(root, 'dist', 'bench', 'rss-child.js');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'scan', spec, '--json', '--no-cache', '--registry', registry, ...extra], {
      env: { ...process.env, DEPCAPS_MAX_TARBALL_BYTES: String(1024 * MB), DEPCAPS_MAX_BYTES: String(1024 * MB) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const rss = /maxrss-kib (\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`scan ${spec} exited ${code}: ${err.slice(-500)}`));
      resolve({ report: JSON.parse(out), rssMb: Number(rss[1]) / 1024, ms: performance.now() - started });
    });
  });
}

/** Runs the streaming benchmark and prints its figures. */
export async function streamBench(root: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'depcaps-bench-stream-'));
  try {
    const sizes = [30, 300];
    for (const shape of ['binary', 'code'] as const) {
      const tarballs = new Map<string, { file: string; version: string; integrity: string }>();
      for (const size of sizes) {
        const file = await buildTarball(dir, shape, size);
        tarballs.set(`big-${shape}-${size}`, { file, version: `${size}.0.0`, integrity: await sha512(file) });
      }
      for (const size of sizes) {
        const t = tarballs.get(`big-${shape}-${size}`)!;
        // One registry per run: its packument names this size's version only.
        const registry = await serve(new Map([[`big-${shape}`, t]]));
        try {
          // The code shape is over the parse limit at both sizes: what is measured is the streamed lexical scan.
          const r = await scanChild(root, `big-${shape}@${size}.0.0`, registry.url, shape === 'code' ? ['--max-file-bytes', '8MiB'] : []);
          console.log(
            `stream ${shape} ${size} MB (tarball ${fmt(statSync(t.file).size / MB)} MB): ${r.report.status}, [${r.report.capabilities.join(',')}], ` +
              `${r.report.errors.length} errors, ${fmt(r.ms / 1000)} s, peak RSS ${fmt(r.rssMb, 0)} MiB`,
          );
        } finally {
          await registry.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
