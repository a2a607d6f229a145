import { defineCapability } from './define.js';

export default defineCapability({
  id: 'native',
  title: 'Native code',
  description: 'Ships or loads compiled machine code (.node addons, executables, binding.gyp, process.dlopen).',
  severity: 'high',
  docs: 'Native code is opaque to JavaScript analysis and runs outside any JavaScript sandbox. Node\'s own internal bindings (process.binding) are reported by what they give: process.binding("spawn_sync") is shell, process.binding("buffer") is nothing.',
  modules: [{ name: 'process', members: ['dlopen'] }],
  globals: [{ path: 'process.dlopen' }],
  // `process.dlopen` itself, and the foreign-function interface of newer Node builds.
  bindings: [{ name: 'process_methods', members: ['dlopen'] }, { name: 'ffi' }],
  manifest: { presenceFiles: ['binding.gyp'] },
  files: {
    extensions: ['.node'],
    magic: {
      ELF: '7f454c46',
      'Mach-O 32': 'feedface',
      'Mach-O 64': 'feedfacf',
      'Mach-O 32 (LE)': 'cefaedfe',
      'Mach-O 64 (LE)': 'cffaedfe',
      'Mach-O universal': 'cafebabe',
      PE: '4d5a',
      WebAssembly: '0061736d',
    },
  },
  examples: {
    flags: "process.dlopen(module, require('path').join(__dirname, 'addon.node'))",
    ok: "const addon = { dlopen() {} }; addon.dlopen('x')",
  },
});
