import type { CapabilityDefinition } from './define.js';
import dynamicRequire from './dynamic-require.js';
import env from './env.js';
import evalCapability from './eval.js';
import filesystem from './filesystem.js';
import globalTamper from './global-tamper.js';
import installScript from './install-script.js';
import native from './native.js';
import network from './network.js';
import obfuscated from './obfuscated.js';
import shell from './shell.js';

export type { CapabilityDefinition, Severity } from './define.js';
export { SEVERITY_ORDER } from './define.js';
export { default as runtime } from './runtime.js';
export type { RuntimeModel, ValueArgument } from './runtime.js';

/** Every registered capability, in id order. */
export const catalog: readonly CapabilityDefinition[] = [
  dynamicRequire,
  env,
  evalCapability,
  filesystem,
  globalTamper,
  installScript,
  native,
  network,
  obfuscated,
  shell,
];
