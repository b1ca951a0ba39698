import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The web console (web/, built by Vite into dist/web) served at `/`: files as they are, and
 * index.html for any other GET outside the API so that the console's own paths survive a reload.
 * Paths under /api keep the API's JSON 404.
 */

/**
 * dist/web beside the running code: from dist/src/api (built) it is ../../web, from src/api (tsx)
 * ../../dist/web — never the sources in web/, whose index.html needs Vite to be served.
 */
export function findConsoleDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const top = resolve(here, '../..');
  const dir = basename(top) === 'dist' ? join(top, 'web') : join(top, 'dist', 'web');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export async function installConsole(app: FastifyInstance, root: string): Promise<void> {
  const base = resolve(root);
  await app.register(fastifyStatic, { root: base, serve: false });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    } catch {
      return reply.callNotFound();
    }
    // Everything under /api (/api/v1 and any later version) is the API's, unknown paths included.
    if (path === '/api' || path.startsWith('/api/')) return reply.callNotFound();
    const file = resolve(base, `.${path}`);
    if (file.startsWith(base + sep) && isFile(file)) {
      // Vite puts a content hash in every asset name: they never change.
      const immutable = path.startsWith('/assets/');
      if (immutable) return reply.sendFile(path.slice(1), base, { maxAge: 365 * 24 * 3600 * 1000, immutable: true });
      reply.header('cache-control', 'no-cache');
      return reply.sendFile(path.slice(1), base, { cacheControl: false });
    }
    // A console path (/environments/…): the app routes it in the browser. Revalidated on every
    // load, so a new build's asset names are picked up at once.
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', base, { cacheControl: false });
  };
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  app.get('/', options, handler);
  app.get('/*', options, handler);
}
