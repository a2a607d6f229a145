declare module '@npmcli/agent' {
  import type { Agent } from 'node:http';

  /** The proxy-, CA- and timeout-aware agent make-fetch-happen would use for `url` (cached by options). */
  export function getAgent(url: string | URL, options?: Record<string, unknown>): Agent;
}
