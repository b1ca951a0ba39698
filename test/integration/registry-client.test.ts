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
