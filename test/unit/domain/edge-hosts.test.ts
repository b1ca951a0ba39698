import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimedHosts, customDomainProblems, customHostProblem, generatedHosts, servedHosts } from '../../../src/domain/edge-hosts.js';
import type { PortSetting } from '../../../src/domain/model.js';

const http = (containerPort: number, pub = true): PortSetting => ({ containerPort, public: pub, protocol: 'http' });
const tcp = (containerPort: number): PortSetting => ({ containerPort, public: true, protocol: 'tcp' });
const names = { service: 'web', environment: 'staging', project: 'shop' };

test('generated hosts: one per public http port, the port after the service name when there are several', () => {
  const cases: Array<[PortSetting[], string, Array<[string, number]>]> = [
    [[http(8080)], 'localhost', [['web-staging-shop.localhost', 8080]]],
    [[http(8080), tcp(5432), http(9000, false)], 'apps.example.com', [['web-staging-shop.apps.example.com', 8080]]],
    [[http(8080), http(9090)], 'localhost', [['web-8080-staging-shop.localhost', 8080], ['web-9090-staging-shop.localhost', 9090]]],
    [[tcp(5432)], 'localhost', []],
    [[], 'localhost', []],
  ];
  for (const [ports, domain, expected] of cases) {
    assert.deepEqual(generatedHosts(names, ports, domain), expected.map(([host, containerPort]) => ({ host, containerPort })), JSON.stringify(ports));
  }
  assert.deepEqual(generatedHosts({ service: 'Web', environment: 'Pre_Prod', project: 'shop' }, [http(80)], 'LOCALHOST'), [{ host: 'web-pre-prod-shop.localhost', containerPort: 80 }]);
});

test('served hosts: custom domains go to their port, or to the only public http port', () => {
  assert.deepEqual(servedHosts(names, [http(8080)], [{ host: 'Shop.Example.com' }], 'localhost'), [
    { host: 'web-staging-shop.localhost', containerPort: 8080 },
    { host: 'shop.example.com', containerPort: 8080 },
  ]);
  assert.deepEqual(
    servedHosts(names, [http(8080), http(9090)], [{ host: 'a.example.com', port: 9090 }, { host: 'b.example.com' }], 'localhost').map((h) => `${h.host}:${h.containerPort}`),
    ['web-8080-staging-shop.localhost:8080', 'web-9090-staging-shop.localhost:9090', 'a.example.com:9090'],
  );
});

test('a custom host must be a DNS name, not a wildcard or an IP', () => {
  const cases: Array<[string, RegExp | null]> = [
    ['app.example.com', null],
    ['a-b.c-d.example.co.uk', null],
    ['xn--bcher-kva.example', null],
    ['*.example.com', /wildcard/],
    ['10.0.0.1', /IP address/],
    ['::1', /IP address/],
    ['[::1]', /IP address/],
    ['localhost', /two labels/],
    ['-app.example.com', /valid DNS name/],
    ['app-.example.com', /valid DNS name/],
    ['app..example.com', /valid DNS name/],
    ['app_1.example.com', /valid DNS name/],
    ['app.example.com.', /valid DNS name/],
    [`${'a'.repeat(64)}.example.com`, /valid DNS name/],
    [`${'a.'.repeat(127)}com`, /253/],
    ['app.123', /all digits/],
    ['', /two labels/],
  ];
  for (const [host, expected] of cases) {
    const problem = customHostProblem(host);
    if (expected === null) assert.equal(problem, null, host);
    else assert.match(problem ?? '', expected, host);
  }
});

test('custom domains: field-level problems', () => {
  const cases: Array<[Parameters<typeof customDomainProblems>[0], PortSetting[], Array<[number, 'host' | 'port', RegExp]>]> = [
    [[{ host: 'app.example.com' }], [http(8080)], []],
    [[{ host: 'app.example.com', port: 8080 }], [http(8080), http(9090)], []],
    [[{ host: 'web.localhost' }], [http(8080)], [[0, 'host', /generated/]]],
    [[{ host: 'localhost.localhost' }], [http(8080)], [[0, 'host', /generated/]]],
    [[{ host: 'a.example.com' }, { host: 'A.example.com' }], [http(8080)], [[1, 'host', /twice/]]],
    [[{ host: 'a.example.com', port: 5432 }], [http(8080), tcp(5432)], [[0, 'port', /not a public http port/]]],
    [[{ host: 'a.example.com' }], [http(8080), http(9090)], [[0, 'port', /several public http ports/]]],
    [[{ host: 'a.example.com' }], [tcp(5432)], [[0, 'port', /no public http port/]]],
    [[{ host: '*.example.com' }], [http(8080)], [[0, 'host', /wildcard/]]],
  ];
  for (const [domains, ports, expected] of cases) {
    const problems = customDomainProblems(domains, ports, 'localhost');
    assert.equal(problems.length, expected.length, JSON.stringify({ domains, problems }));
    expected.forEach(([index, field, message], i) => {
      assert.equal(problems[i]!.index, index);
      assert.equal(problems[i]!.field, field);
      assert.match(problems[i]!.message, message);
    });
  }
});

test('a host another service serves is a conflict', () => {
  const others = [{ serviceId: 'svc-2', hosts: ['shop.example.com', 'api-prod-shop.localhost'] }];
  assert.deepEqual(claimedHosts([{ host: 'other.example.com' }], others), []);
  const [problem] = claimedHosts([{ host: 'ok.example.com' }, { host: 'SHOP.example.com' }], others);
  assert.equal(problem?.index, 1);
  assert.equal(problem?.conflict, true);
  assert.match(problem?.message ?? '', /already served by service svc-2/);
});
