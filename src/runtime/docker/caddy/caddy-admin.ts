import http from 'node:http';

/**
 * Caddy's admin API, reached on a unix socket in a host directory bind-mounted into the edge
 * container (docs/edge.md#the-admin-api): no network, the apps' networks included, reaches it.
 */
export class CaddyAdmin {
  constructor(private readonly socketPath: string) {}

  /** The running configuration (null: none loaded). */
  async config(): Promise<unknown> {
    const { status, body } = await this.request('GET', '/config/');
    if (status !== 200) throw new Error(`caddy admin GET /config/: ${status} ${body.slice(0, 300)}`);
    return body.trim() === '' ? null : (JSON.parse(body) as unknown);
  }

  /** Replaces the whole configuration; Caddy switches to it without dropping connections. */
  async load(config: unknown): Promise<void> {
    const { status, body } = await this.request('POST', '/load', JSON.stringify(config));
    if (status !== 200) throw new Error(`caddy refused the configuration: ${status} ${body.slice(0, 500)}`);
  }

  /** The PEM root certificate of Caddy's internal CA (it signs the edge's certificates). */
  async rootCertificate(): Promise<string> {
    const { status, body } = await this.request('GET', '/pki/ca/local');
    if (status !== 200) throw new Error(`caddy admin GET /pki/ca/local: ${status} ${body.slice(0, 300)}`);
    return (JSON.parse(body) as { root_certificate: string }).root_certificate;
  }

  /** Requests in flight per upstream address, as Caddy counts them (across configurations). */
  async inFlight(): Promise<Map<string, number>> {
    const { status, body } = await this.request('GET', '/reverse_proxy/upstreams');
    if (status !== 200) throw new Error(`caddy admin GET /reverse_proxy/upstreams: ${status}`);
    const list = JSON.parse(body) as Array<{ address: string; num_requests: number }> | null;
    return new Map((list ?? []).map((u) => [u.address, u.num_requests]));
  }

  private request(method: string, path: string, payload?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        // Caddy checks the Host of admin requests against its allowed origins; a socket has none to check.
        { socketPath: this.socketPath, method, path, headers: { host: '', 'content-type': 'application/json' }, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`caddy admin ${method} ${path}: no answer within 15 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
