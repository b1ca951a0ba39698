import http from 'node:http';

/**
 * A client of the Caddy edge on 127.0.0.1 that names the host it wants, over keep-alive
 * connections, and retries a request once when a reused connection was closed before any
 * answer, as browsers, curl and Go's client do (docs/edge.md#known-limits).
 */
export class EdgeClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(private readonly port: number) {}

  async get(host: string, path = '/'): Promise<{ status: number; body: string }> {
    try {
      return await this.once(host, path);
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
      return this.once(host, path);
    }
  }

  /** GETs one after the other until stop(); what answered (by body) and what failed. */
  hammer(host: string) {
    const stats = { bodies: new Map<string, number>(), failed: [] as string[] };
    let running = true;
    const done = (async () => {
      for (let n = 0; running && n < 1_000_000; n++) {
        try {
          const { status, body } = await this.get(host);
          if (status === 200) stats.bodies.set(body, (stats.bodies.get(body) ?? 0) + 1);
          else stats.failed.push(`${status} ${body.slice(0, 60)}`);
        } catch (error) {
          stats.failed.push((error as Error).message);
        }
      }
    })();
    return {
      stats,
      answered: () => [...stats.bodies.values()].reduce((a, b) => a + b, 0),
      async stop() {
        running = false;
        await done;
        return stats;
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }

  private once(host: string, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, path, headers: { host }, agent: this.agent, timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => reject(Object.assign(error, { retriable: req.reusedSocket && error.code === 'ECONNRESET' })));
      req.end();
    });
  }
}
