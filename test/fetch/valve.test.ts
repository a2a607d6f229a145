// Back-pressure on a download: minipass-fetch reads the socket as fast as it delivers, so a slow
// reader on a fast network would hold the whole body in memory; the valve pauses the response.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import npmFetch from 'npm-registry-fetch';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DepcapsError } from '../../src/errors.js';
import { DigestingBody } from '../../src/fetch/download.js';
import { ResponseValve } from '../../src/fetch/valve.js';

const MiB = 1024 * 1024;
const SIZE = 48 * MiB;
let server: Server;
let url: string;

beforeAll(async () => {
  const block = Buffer.alloc(MiB, 0x61);
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(SIZE) });
    let sent = 0;
    const pump = (): void => {
      while (sent < SIZE) {
        sent += block.length;
        if (!res.write(block)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Reads the body slowly (20 ms per MiB); the most bytes ever waiting unread (buffered, or taken in one piece). */
async function slowRead(valve: ResponseValve | undefined): Promise<{ bytes: number; peakWaiting: number }> {
  const res = await npmFetch(url, { registry: url, retry: { retries: 0 }, ...(valve ? { agent: valve.agent(url, {}, 10_000) } : {}) } as npmFetch.Options);
  const stream = res.body as unknown as AsyncIterable<Buffer> & { bufferLength: number };
  valve?.watch(() => stream.bufferLength);
  let peakWaiting = 0;
  const body = new DigestingBody(stream[Symbol.asyncIterator](), [], (err) => new DepcapsError('E_REGISTRY', String(err)), () => {
    peakWaiting = Math.max(peakWaiting, stream.bufferLength);
    valve?.regulate();
  });
  for (let step = await body.next(); step.done !== true; step = await body.next()) {
    peakWaiting = Math.max(peakWaiting, step.value.length);
    // Work on it a while, a piece at a time, as the tar reader does (it yields to the event loop).
    for (let left = step.value.length; left > 0; left -= MiB) await new Promise((r) => setTimeout(r, 20));
  }
  valve?.release();
  return { bytes: body.bytes, peakWaiting };
}

describe('ResponseValve', () => {
  test('without it a slow reader lets the body pile up (here > 16 MiB); with it, at most ~8 MiB wait', async () => {
    const unchecked = await slowRead(undefined);
    expect(unchecked.bytes).toBe(SIZE);
    expect(unchecked.peakWaiting).toBeGreaterThan(16 * MiB);
    const checked = await slowRead(new ResponseValve());
    expect(checked.bytes).toBe(SIZE);
    expect(checked.peakWaiting).toBeLessThan(12 * MiB);
  }, 60_000);
});
