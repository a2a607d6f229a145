import { defineCapability } from './define.js';

export default defineCapability({
  id: 'filesystem',
  title: 'Filesystem',
  description: 'Reads or writes files and directories.',
  severity: 'medium',
  docs: 'Filesystem access can read credentials (~/.npmrc, ~/.ssh, .env) or plant files that run later.',
  modules: [{ name: 'fs' }],
  // The bindings fs is built on; WASI and SQLite open paths they are given; `modules` reads package.json
  // files by path; the members write or read a file named by their argument.
  bindings: [
    { name: 'fs' },
    { name: 'fs_dir' },
    { name: 'fs_event_wrap' },
    { name: 'glob' },
    { name: 'modules' },
    { name: 'sqlite' },
    { name: 'wasi' },
    { name: 'blob', members: ['createBlobFromFilePath'] },
    { name: 'heap_utils', members: ['triggerHeapSnapshot'] },
    { name: 'process_methods', members: ['loadEnvFile'] },
    { name: 'report', members: ['writeReport'] },
  ],
  examples: {
    flags: "const { readFileSync } = require('fs'); readFileSync('/etc/passwd')",
    ok: "const fs = require('./fs'); fs.readFileSync('x')",
  },
});
