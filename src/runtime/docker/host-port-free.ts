import { createServer } from 'node:net';

/**
 * Whether no program listens on this host port, found by listening on it for a moment (all
 * IPv4 interfaces, as Docker publishes). The engine is taken to run on this machine, as the
 * edge's host ports always were.
 */
export function hostPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '0.0.0.0', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
