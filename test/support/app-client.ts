import http from 'node:http';
import https from 'node:https';

/**
 * GETs a deployed app's public URL as a test sees it. The edge names apps
 * `<service>-<environment>-<project>.localhost`, which browsers and curl send to the loopback
 * address but Node's resolver does not know: such a host is dialled on 127.0.0.1 and named in
 * the Host header (and TLS SNI). Over https, the edge's internal CA is not trusted here: the
 * certificate chain itself is asserted by the edge's own tests (caddy-edge-acme).
 */
export function getApp(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const loopbackName = target.hostname.endsWith('.localhost');
  const secure = target.protocol === 'https:';
  const options: https.RequestOptions = {
    host: loopbackName ? '127.0.0.1' : target.hostname,
    port: target.port || (secure ? 443 : 80),
    path: `${target.pathname}${target.search}`,
    headers: { host: target.host },
    agent: false,
    timeout: timeoutMs,
    ...(secure ? { servername: target.hostname, rejectUnauthorized: !loopbackName } : {}),
  };
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
