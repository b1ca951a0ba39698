import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A smart-HTTP git remote for tests: `git http-backend` (CGI) behind a small node HTTP server
 * that requires HTTP basic auth with a given token as password (any user name).
 */
export class GitHttpServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Serves the bare repositories under projectRoot at http://127.0.0.1:<port>/<name>.git */
  static async start(projectRoot: string, token: string): Promise<GitHttpServer> {
    const server = createServer((request, response) => {
      const auth = request.headers.authorization ?? '';
      const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
      if (decoded.slice(decoded.indexOf(':') + 1) !== token && decoded.split(':')[0] !== token) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
        response.end('authentication required');
        return;
      }
      const url = new URL(request.url ?? '/', 'http://localhost');
      const child = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH,
          GIT_PROJECT_ROOT: projectRoot,
          GIT_HTTP_EXPORT_ALL: '1',
          REQUEST_METHOD: request.method ?? 'GET',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: request.headers['content-type'] ?? '',
          GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
          REMOTE_USER: 'test',
          REMOTE_ADDR: '127.0.0.1',
          HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      request.pipe(child.stdin);
      // CGI output: headers, a blank line, then the body.
      let head = Buffer.alloc(0);
      let headersDone = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) return void response.write(chunk);
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        headersDone = true;
        let status = 200;
        for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
          else response.setHeader(name, value);
        }
        response.writeHead(status);
        response.write(head.subarray(end + 4));
      });
      child.stdout.on('end', () => response.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new GitHttpServer(server, `http://127.0.0.1:${port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
