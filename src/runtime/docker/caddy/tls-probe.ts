import tls from 'node:tls';
import type { TlsState } from '../../runtime.js';

/**
 * The certificate state of one host on the edge's https port, as a client sees it: a TLS
 * handshake naming the host, trusting only the CA the edge's certificates come from.
 * - ISSUED: the certificate chains to that CA and names the host (notAfter: its expiry);
 * - PENDING: the edge has no certificate for the host yet (the handshake is refused);
 * - ERROR: a certificate is served that does not verify (the reason says why).
 */
export function probeTls(options: { port: number; host: string; ca: string | string[]; timeoutMs?: number }): Promise<TlsState> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: options.port, servername: options.host, ca: options.ca, rejectUnauthorized: false });
    const done = (state: TlsState): void => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(options.timeoutMs ?? 3000, () => done({ status: 'PENDING', reason: 'no answer from the edge yet' }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!socket.authorized) return done({ status: 'ERROR', reason: `certificate not trusted: ${String(socket.authorizationError)}` });
      const notAfter = cert.valid_to ? new Date(cert.valid_to).toISOString() : undefined;
      done({ status: 'ISSUED', ...(notAfter ? { notAfter } : {}) });
    });
    // No certificate for the name yet: Caddy ends the handshake with an alert.
    socket.once('error', (error: NodeJS.ErrnoException) => done({ status: 'PENDING', reason: `no certificate yet (${error.code ?? error.message})` }));
  });
}
