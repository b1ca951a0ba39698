import { connect, createServer, type NetConnectOpts, type Server, type Socket } from 'node:net';

/**
 * A dependency that "comes back": a server listening at `at` (a unix socket path, or a TCP
 * port on 127.0.0.1) that forwards every connection to `to` (the real Docker socket, the real
 * PostgreSQL). close() ends every forwarded connection too.
 */
export class SocketProxy {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async listen(at: { path: string } | { port: number }, to: NetConnectOpts): Promise<SocketProxy> {
    const server = createServer();
    const proxy = new SocketProxy(server);
    server.on('connection', (client) => {
      const upstream = connect(to);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if ('path' in at) server.listen(at.path, resolve);
      else server.listen(at.port, '127.0.0.1', resolve);
    });
    return proxy;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
