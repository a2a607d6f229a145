/**
 * Opt-in checks against the live npm registry: `DEPCAPS_LIVE=1 npm test`. Known packages, known
 * capabilities; skipped (and reported as skipped) otherwise so the default suite stays hermetic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ScanReport } from '../../src/contract/index.js';
import { parseJson, runCli } from '../helpers/run-cli.js';
import { makeTmpEnv } from '../helpers/tmp-env.js';

const live = process.env.DEPCAPS_LIVE === '1';
// The machine's own CA bundle and proxy settings are needed to reach the real registry.
const passThrough = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'];
const tmp = makeTmpEnv(Object.fromEntries(passThrough.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])));
afterAll(() => tmp.cleanup());

async function scan(spec: string): Promise<ScanReport> {
  const r = await runCli(['scan', spec, '--json'], { env: tmp.env, cwd: tmp.project, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return parseJson<ScanReport>(r);
}

describe.runIf(live)('live npm registry', () => {
  it('is-number@7.0.0 has no capabilities', async () => {
    const r = await scan('is-number@7.0.0');
    expect(r.status).toBe('ok');
    expect(r.capabilities).toEqual([]);
    expect(r.package.integrity).toMatch(/^sha512-/);
  });

  it('cross-spawn@7.0.6 spawns processes', async () => {
    const r = await scan('cross-spawn@7.0.6');
    expect(r.capabilities).toContain('shell');
    expect(r.findings.some((f) => f.api === 'child_process.spawn' || f.api === 'child_process')).toBe(true);
  });

  it('esbuild@0.24.2 has a postinstall script', async () => {
    const r = await scan('esbuild@0.24.2');
    expect(r.findings).toEqual(expect.arrayContaining([expect.objectContaining({ capability: 'install-script', api: expect.stringMatching(/^postinstall/), file: 'package.json' })]));
  });

  it('node-fetch@2.7.0 uses http/https; dotenv@16.4.7 reads files and the environment', async () => {
    expect((await scan('node-fetch@2.7.0')).capabilities).toEqual(expect.arrayContaining(['network']));
    expect((await scan('dotenv@16.4.7')).capabilities).toEqual(expect.arrayContaining(['env', 'filesystem']));
  });
});
