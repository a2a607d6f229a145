import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { getAgent } from '@npmcli/agent';
import type { NetworkOptions } from './npmrc.js';

/** Bytes a response may run ahead of the reader before its socket is paused, and where it resumes. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/**
 * Back-pressure for one download. minipass-fetch reads a response as fast as the socket delivers,
 * whatever its reader does (on purpose: npm/minipass-fetch#8), so on a network faster than the tar
 * reader a whole tarball would pile up in memory. The valve is the HTTP agent of the request: it
 * sees the response, and pauses it while more than 8 MiB wait unread (TCP then slows the sender),
 * resuming below 1 MiB.
 */
export class ResponseValve {
  private response: IncomingMessage | undefined;
  private paused = false;
  private waiting: () => number = () => 0;

  /** Tells the valve how many bytes wait unread (the response body's buffer), checked as bytes arrive. */
  watch(waiting: () => number): void {
    this.waiting = waiting;
  }

  /**
   * The agent to give the request: the one make-fetch-happen would pick for these connection
   * settings (proxy, CA, strict-ssl, idle timeout), wrapped to see its responses.
   */
  agent(url: string, network: NetworkOptions, timeoutMs: number): Agent {
    const { strictSSL, ...rest } = network;
    const base = getAgent(url, { ...rest, rejectUnauthorized: strictSSL !== false, timeout: timeoutMs, maxSockets: 12 }) as Agent & {
      defaultPort: number;
      protocol: string;
      addRequest(req: ClientRequest, options: unknown): void;
    };
    const onResponse = (res: IncomingMessage): void => {
      // A redirect is followed with a new request: the last response is the body being read.
      this.response = res;
      this.paused = false;
      // Checked as bytes arrive: the reader may be busy with a large piece for a while.
      res.on('data', () => this.regulate());
    };
    // Node's ClientRequest reads only these three members of its agent. Methods run on the real
    // agent (it keeps private state), so its socket pool and keep-alive work as usual.
    const wrapped = {
      get defaultPort() {
        return base.defaultPort;
      },
      get protocol() {
        return base.protocol;
      },
      addRequest(req: ClientRequest, options: unknown): void {
        req.once('response', onResponse);
        base.addRequest(req, options);
      },
    };
    return wrapped as unknown as Agent;
  }

  /** Pauses or resumes the response by what waits unread; called as bytes arrive and as the reader takes them. */
  regulate(): void {
    if (this.response === undefined) return;
    const buffered = this.waiting();
    if (!this.paused && buffered > HIGH_WATER) {
      this.paused = true;
      this.response.pause();
    } else if (this.paused && buffered < LOW_WATER) {
      this.paused = false;
      this.response.resume();
    }
  }

  /** Lets the response flow again (before an abort, so the socket is not left paused). */
  release(): void {
    if (this.paused) this.response?.resume();
    this.paused = false;
  }
}
