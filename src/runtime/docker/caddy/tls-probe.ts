import tls from 'node:tls';
import type { TlsProbe } from '../../../domain/edge-tls.js';

/**
 * What a client finds on the edge's https port for one host: a TLS handshake naming the host,
 * trusting only the CAs the edge's certificates come from (the rule turning it into a state is
 * tlsState in src/domain/edge-tls.ts).
 * - trusted: the certificate chains to one of those CAs and names the host (notAfter: its expiry);
 * - untrusted: a certificate is served that does not verify (detail says why);
 * - none: the edge has no certificate for the host yet (the handshake is refused) or no answer.
 */
export function probeTls(options: { port: number; host: string; ca: string | string[]; timeoutMs?: number }): Promise<TlsProbe> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: options.port, servername: options.host, ca: options.ca, rejectUnauthorized: false });
    const done = (probe: TlsProbe): void => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(options.timeoutMs ?? 3000, () => done({ served: 'none', detail: 'no answer from the edge yet' }));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!socket.authorized) return done({ served: 'untrusted', detail: `certificate not trusted: ${String(socket.authorizationError)}` });
      const notAfter = cert.valid_to ? new Date(cert.valid_to).toISOString() : undefined;
      done({ served: 'trusted', ...(notAfter ? { notAfter } : {}) });
    });
    // No certificate for the name yet: Caddy ends the handshake with an alert.
    socket.once('error', (error: NodeJS.ErrnoException) => done({ served: 'none', detail: `no certificate yet (${error.code ?? error.message})` }));
  });
}
