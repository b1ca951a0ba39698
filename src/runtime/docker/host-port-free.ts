import { createServer } from 'node:net';

/** The host port is in use by another program: choose another. */
export class HostPortTakenError extends Error {
  constructor(
    readonly hostPort: number,
    message: string,
  ) {
    super(message);
    this.name = 'HostPortTakenError';
  }
}

/**
 * Whether no program listens on this host port, found by listening on it for a moment (all
 * IPv4 interfaces, as Docker publishes). The engine is taken to run on this machine.
 */
export function hostPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
