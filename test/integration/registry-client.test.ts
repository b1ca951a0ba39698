import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient, RegistryError, parseImageName } from '../../src/build/registry-client.js';
import { testImages, testRegistry } from '../support/images.js';

describe('parseImageName', () => {
  it('applies Docker Hub rules to names without a host', () => {
    assert.deepEqual(parseImageName('nginx'), { registry: 'registry-1.docker.io', repository: 'library/nginx', baseUrl: 'https://registry-1.docker.io' });
    assert.equal(parseImageName('bitnami/redis').repository, 'bitnami/redis');
    assert.equal(parseImageName('docker.io/nginx').repository, 'library/nginx');
  });
  it('uses http for loopback registries and https for others', () => {
    assert.deepEqual(parseImageName('127.0.0.1:5000/a/b'), { registry: '127.0.0.1:5000', repository: 'a/b', baseUrl: 'http://127.0.0.1:5000' });
    assert.equal(parseImageName('localhost/x').baseUrl, 'http://localhost');
    assert.equal(parseImageName('ghcr.io/org/app').baseUrl, 'https://ghcr.io');
    assert.equal(parseImageName('registry.example:5000/app').baseUrl, 'https://registry.example:5000');
  });
  it('refuses names that are not image names', () => {
    assert.throws(() => parseImageName('Upper/Case'), RegistryError);
    assert.throws(() => parseImageName(''), RegistryError);
  });
});

describe('RegistryClient against the test registry', () => {
  const client = new RegistryClient();

  it('lists the tags of a repository', async () => {
    const tags = await client.listTags(testImages.appV1.name);
    assert.ok(tags.includes('v1') && tags.includes('v2'), `tags: ${tags.join(',')}`);
  });

  it('follows Link pagination', async () => {
    // distribution 2.8 ignores `n` on tags/list, so the paging is checked against a tiny server
    // answering the way paginating registries (distribution 3, Harbor, GHCR) do.
    const pages: Record<string, { tags: string[]; next?: string }> = {
      '': { tags: ['a', 'b'], next: '/v2/x/app/tags/list?n=2&last=b' },
      b: { tags: ['c', 'd'], next: '/v2/x/app/tags/list?n=2&last=d' },
      d: { tags: ['e'] },
    };
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const page = url.pathname === '/v2/x/app/tags/list' ? pages[url.searchParams.get('last') ?? ''] : undefined;
      if (!page) return void res.writeHead(404).end();
      if (page.next) res.setHeader('link', `<${page.next}>; rel="next"`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'x/app', tags: page.tags }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      assert.deepEqual(await new RegistryClient({ pageSize: 2 }).listTags(`127.0.0.1:${port}/x/app`), ['a', 'b', 'c', 'd', 'e']);
    } finally {
      server.close();
    }
  });

  it('returns the digest docker itself records for a tag', async () => {
    const digest = await client.manifestDigest(testImages.appV2.name, 'v2');
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const repoDigests = execFileSync('docker', ['image', 'inspect', '-f', '{{json .RepoDigests}}', testImages.appV2.ref], { encoding: 'utf8' });
    assert.ok(repoDigests.includes(digest), `${digest} not in ${repoDigests}`);
    assert.notEqual(digest, await client.manifestDigest(testImages.appV1.name, 'v1'));
  });

  it('answers NOT_FOUND for an unknown repository or tag', async () => {
    await assert.rejects(client.listTags(`${testRegistry}/slipway-test/no-such-repo`), (e: unknown) => e instanceof RegistryError && e.code === 'NOT_FOUND');
    await assert.rejects(client.manifestDigest(testImages.appV1.name, 'no-such-tag'), (e: unknown) => e instanceof RegistryError && e.code === 'NOT_FOUND');
  });

  it('answers REGISTRY_UNREACHABLE when nothing listens', async () => {
    await assert.rejects(client.listTags('127.0.0.1:1/slipway-test/app'), (e: unknown) => e instanceof RegistryError && e.code === 'REGISTRY_UNREACHABLE' && /unreachable/.test(e.message));
  });
});

describe('a registry cannot send Slipway to another host or have its answers read back', () => {
  /** A server on 127.0.0.1 whose handler each test sets; it records the paths it was asked for. */
  async function host(): Promise<{ url: string; hostPort: string; seen: string[]; handle: (h: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) => void; close(): void }> {
    let handler: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = (_req, res) => void res.writeHead(404).end();
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      hostPort: `127.0.0.1:${port}`,
      seen,
      handle: (h) => {
        handler = h;
      },
      close: () => server.close(),
    };
  }
  const json = (res: import('node:http').ServerResponse, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const isRegistryError = (code: string, check: (message: string) => boolean = () => true) => (e: unknown) =>
    e instanceof RegistryError && e.code === code && check(e.message);

  it('follows a redirect on the same host and port only; another host is never asked', async () => {
    const registry = await host();
    const other = await host();
    try {
      other.handle((_req, res) => json(res, { tags: ['from-elsewhere'] }));
      registry.handle((req, res) => {
        if (req.url?.startsWith('/v2/x/app/tags/list')) return void res.writeHead(302, { location: `${other.url}/v2/x/app/tags/list` }).end();
        if (req.url?.startsWith('/v2/x/same/tags/list')) return void res.writeHead(307, { location: '/moved/tags' }).end();
        if (req.url === '/moved/tags') return json(res, { tags: ['moved'] });
        res.writeHead(404).end();
      });
      const client = new RegistryClient();
      await assert.rejects(client.listTags(`${registry.hostPort}/x/app`), isRegistryError('REGISTRY_ERROR', (m) => m.includes(registry.hostPort) && m.includes('302')));
      await assert.rejects(client.manifestDigest(`${registry.hostPort}/x/app`, 'v1'), RegistryError);
      assert.deepEqual(other.seen, [], 'the other host was asked');
      assert.deepEqual(await client.listTags(`${registry.hostPort}/x/same`), ['moved']);
    } finally {
      registry.close();
      other.close();
    }
  });

  it('never copies an error body into its message: the status and the host only', async () => {
    const registry = await host();
    try {
      registry.handle((_req, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('root:x:0:0:SECRET-BODY-TEXT');
      });
      await assert.rejects(
        new RegistryClient().listTags(`${registry.hostPort}/x/app`),
        isRegistryError('REGISTRY_ERROR', (m) => !m.includes('SECRET-BODY-TEXT') && m.includes('500') && m.includes(registry.hostPort)),
      );
    } finally {
      registry.close();
    }
  });

  it('a 200 that is not JSON is a registry error (502), not a crash (500)', async () => {
    const registry = await host();
    try {
      registry.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>a captive portal</html>');
      });
      await assert.rejects(new RegistryClient().listTags(`${registry.hostPort}/x/app`), isRegistryError('REGISTRY_ERROR', (m) => !m.includes('captive')));
    } finally {
      registry.close();
    }
  });

  it('fetches a token only from a realm on its own host, or on a host allowed by configuration', async () => {
    const registry = await host();
    const other = await host();
    try {
      other.handle((_req, res) => json(res, { token: 'tok-from-other' }));
      registry.handle((req, res) => {
        if (req.url?.startsWith('/token')) return json(res, { token: 'tok-from-self' });
        const auth = req.headers.authorization;
        if (auth === 'Bearer tok-from-self' || auth === 'Bearer tok-from-other') return json(res, { tags: [auth.slice('Bearer '.length)] });
        const realm = req.url?.includes('/elsewhere/') ? `${other.url}/token` : `${registry.url}/token`;
        res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="r"` }).end();
      });
      assert.deepEqual(await new RegistryClient().listTags(`${registry.hostPort}/x/app`), ['tok-from-self']);
      await assert.rejects(
        new RegistryClient().listTags(`${registry.hostPort}/elsewhere/app`),
        isRegistryError('REGISTRY_UNAUTHORIZED', (m) => m.includes('SLIPWAY_REGISTRY_TOKEN_HOSTS')),
      );
      assert.deepEqual(other.seen, [], 'the other host was asked for a token');
      assert.deepEqual(await new RegistryClient({ tokenHosts: [other.hostPort] }).listTags(`${registry.hostPort}/elsewhere/app`), ['tok-from-other']);
    } finally {
      registry.close();
      other.close();
    }
  });

  it('follows Link pagination on its own host only', async () => {
    const registry = await host();
    const other = await host();
    try {
      other.handle((_req, res) => json(res, { tags: ['from-elsewhere'] }));
      registry.handle((_req, res) => json(res, { tags: ['a'] }, { link: `<${other.url}/v2/x/app/tags/list?last=a>; rel="next"` }));
      await assert.rejects(new RegistryClient().listTags(`${registry.hostPort}/x/app`), isRegistryError('REGISTRY_ERROR', (m) => /another host/.test(m)));
      assert.deepEqual(other.seen, []);
    } finally {
      registry.close();
      other.close();
    }
  });
});
