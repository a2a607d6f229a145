import { defineCapability } from './define.js';

export default defineCapability({
  id: 'filesystem',
  title: 'Filesystem',
  description: 'Reads or writes files and directories.',
  severity: 'medium',
  docs: 'Filesystem access can read credentials (~/.npmrc, ~/.ssh, .env) or plant files that run later.',
  modules: [{ name: 'fs' }],
  examples: {
    flags: "const { readFileSync } = require('fs'); readFileSync('/etc/passwd')",
    ok: "const fs = require('./fs'); fs.readFileSync('x')",
  },
});
