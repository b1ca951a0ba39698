import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { canonicalJson, specHash, type DesiredSpec, type Probe } from '../../../src/domain/index.js';

const readiness: Probe = {
  type: 'http',
  path: '/health',
  port: 8080,
  initialDelaySeconds: 0,
  periodSeconds: 5,
  timeoutSeconds: 1,
  failureThreshold: 3,
};

function base(): DesiredSpec {
  return {
    image: '127.0.0.1:5000/shop-web@sha256:' + 'a'.repeat(64),
    instances: 2,
    cpu: 500,
    memoryMb: 512,
    env: { NODE_ENV: 'production', DB_PASSWORD: 's3cret' },
    ports: [{ containerPort: 8080, public: true, protocol: 'http' }],
    healthchecks: { readiness },
    storage: [{ mountPath: '/data', sizeGb: 1 }],
    command: ['node', 'server.js'],
  };
}

/** A deep copy with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).reverse();
    return Object.fromEntries(entries.map(([k, v]) => [k, reverseKeys(v)])) as T;
  }
  return value;
}

test('the hash is a stable hex string', () => {
  const h = specHash(base());
  assert.match(h, /^[0-9a-f]{16,}$/);
  assert.equal(specHash(base()), h);
});

test('equal specs hash alike whatever the order of their keys', () => {
  const spec = base();
  const reordered = reverseKeys(spec);
  assert.notDeepEqual(Object.keys(reordered), Object.keys(spec), 'the keys really are reordered');
  assert.equal(specHash(reordered), specHash(spec));
  // Env variables given in another order are the same environment.
  assert.equal(specHash({ ...spec, env: { DB_PASSWORD: 's3cret', NODE_ENV: 'production' } }), specHash(spec));
});

test('an absent optional field hashes like an undefined one', () => {
  const { command: _command, ...withoutCommand } = base();
  assert.equal(specHash({ ...withoutCommand, command: undefined }), specHash(withoutCommand));
  assert.equal(specHash({ ...base(), healthchecks: { readiness, liveness: undefined } }), specHash(base()));
});

/**
 * One change to one field of the list in docs/actions.md#redeploy-without-changes-does-nothing,
 * each of which must change the hash.
 */
const CHANGES: Record<string, (s: DesiredSpec) => DesiredSpec> = {
  'image': (s) => ({ ...s, image: s.image.replace(/a$/, 'b') }),
  'instances': (s) => ({ ...s, instances: 3 }),
  'cpu': (s) => ({ ...s, cpu: 501 }),
  'memory': (s) => ({ ...s, memoryMb: 1024 }),
  'an env value': (s) => ({ ...s, env: { ...s.env, NODE_ENV: 'staging' } }),
  'a secret env value': (s) => ({ ...s, env: { ...s.env, DB_PASSWORD: 's3cret!' } }),
  'an env key': (s) => ({ ...s, env: { NODE_ENV: 'production', DB_PASS: 's3cret' } }),
  'an added env variable': (s) => ({ ...s, env: { ...s.env, DEBUG: '' } }),
  'a removed env variable': (s) => ({ ...s, env: { NODE_ENV: 'production' } }),
  'a port number': (s) => ({ ...s, ports: [{ containerPort: 8081, public: true, protocol: 'http' }] }),
  'a port made private': (s) => ({ ...s, ports: [{ containerPort: 8080, public: false, protocol: 'http' }] }),
  'a port protocol': (s) => ({ ...s, ports: [{ containerPort: 8080, public: true, protocol: 'tcp' }] }),
  'an added port': (s) => ({ ...s, ports: [...s.ports, { containerPort: 9090, public: false, protocol: 'tcp' }] }),
  'the readiness path': (s) => ({ ...s, healthchecks: { readiness: { ...readiness, path: '/ready' } } }),
  'the readiness threshold': (s) => ({ ...s, healthchecks: { readiness: { ...readiness, failureThreshold: 4 } } }),
  'the readiness type': (s) => ({
    ...s,
    healthchecks: { readiness: { ...readiness, type: 'tcp', port: 8080 } as Probe },
  }),
  'readiness moved to liveness': (s) => ({ ...s, healthchecks: { liveness: readiness } }),
  'an added liveness probe': (s) => ({ ...s, healthchecks: { readiness, liveness: readiness } }),
  'no probe': (s) => ({ ...s, healthchecks: {} }),
  'a storage path': (s) => ({ ...s, storage: [{ mountPath: '/var/data', sizeGb: 1 }] }),
  'a storage size': (s) => ({ ...s, storage: [{ mountPath: '/data', sizeGb: 2 }] }),
  'no storage': (s) => ({ ...s, storage: [] }),
  'the command': (s) => ({ ...s, command: ['node', 'worker.js'] }),
  'a command argument split differently': (s) => ({ ...s, command: ['node server.js'] }),
  'no command': (s) => {
    const { command: _command, ...rest } = s;
    return rest;
  },
};

for (const [name, change] of Object.entries(CHANGES)) {
  test(`a change of ${name} changes the hash`, () => {
    assert.notEqual(specHash(change(base())), specHash(base()));
  });
}

// ---- Properties ----------------------------------------------------------------------------

const probe: fc.Arbitrary<Probe> = fc
  .tuple(
    fc.oneof(
      fc.record({ type: fc.constant('http' as const), path: fc.constantFrom('/', '/health', '/ready'), port: fc.integer({ min: 1, max: 65535 }) }),
      fc.record({ type: fc.constant('tcp' as const), port: fc.integer({ min: 1, max: 65535 }) }),
      fc.record({ type: fc.constant('exec' as const), command: fc.array(fc.string(), { minLength: 1, maxLength: 3 }) }),
    ),
    fc.record({
      initialDelaySeconds: fc.nat(60),
      periodSeconds: fc.integer({ min: 1, max: 60 }),
      timeoutSeconds: fc.integer({ min: 1, max: 60 }),
      failureThreshold: fc.integer({ min: 1, max: 10 }),
    }),
  )
  .map(([kind, timing]) => ({ ...kind, ...timing }));

const envKey = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/);

const desiredSpec: fc.Arbitrary<DesiredSpec> = fc.record(
  {
    image: fc.stringMatching(/^[a-z0-9.:/@-]{1,40}$/),
    instances: fc.integer({ min: 1, max: 20 }),
    cpu: fc.integer({ min: 1, max: 8000 }),
    memoryMb: fc.integer({ min: 1, max: 65536 }),
    env: fc.dictionary(envKey, fc.string(), { maxKeys: 5 }),
    ports: fc.array(
      fc.record({
        containerPort: fc.integer({ min: 1, max: 65535 }),
        public: fc.boolean(),
        protocol: fc.constantFrom('http' as const, 'tcp' as const),
      }),
      { maxLength: 3 },
    ),
    healthchecks: fc.record({ readiness: probe, liveness: probe }, { requiredKeys: [] }),
    storage: fc.array(fc.record({ mountPath: fc.stringMatching(/^\/[a-z]{1,8}$/), sizeGb: fc.integer({ min: 1, max: 100 }) }), {
      maxLength: 2,
    }),
    command: fc.array(fc.string(), { maxLength: 3 }),
  },
  { requiredKeys: ['image', 'instances', 'cpu', 'memoryMb', 'env', 'ports', 'healthchecks', 'storage'] },
);

/** Equal as data: ignores prototypes (fast-check makes some dictionaries null-prototype) and key order. */
function sameValue(a: unknown, b: unknown): boolean {
  const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  return isDeepStrictEqual(plain(a), plain(b));
}

const FIELDS = ['image', 'instances', 'cpu', 'memoryMb', 'env', 'ports', 'healthchecks', 'storage', 'command'] as const;

test('property: the hash does not depend on key order', () => {
  fc.assert(
    fc.property(desiredSpec, (spec) => {
      assert.equal(specHash(reverseKeys(spec)), specHash(spec));
    }),
    { numRuns: 300 },
  );
});

test('property: replacing any single field by a different value changes the hash', () => {
  fc.assert(
    fc.property(desiredSpec, desiredSpec, fc.constantFrom(...FIELDS), (spec, other, field) => {
      const changed: DesiredSpec = { ...spec };
      if (other[field] === undefined) delete changed[field];
      else (changed as unknown as Record<string, unknown>)[field] = other[field];
      fc.pre(!sameValue(spec[field], other[field]));
      assert.notEqual(specHash(changed), specHash(spec), `a change of ${field}`);
    }),
    { numRuns: 500 },
  );
});

test('canonical JSON and the hash stay what earlier versions computed (running services compare against them)', () => {
  // Computed by the implementation this one replaced: a change here would roll every service at its next redeploy.
  assert.equal(specHash(base()), 'afbe087a191b793241551be1a2305717');
  const tricky = { b: [1, undefined, null, 'x', { z: undefined, y: [true, { é: -0 }] }], a: undefined, 'a"b': 'q"\n', A: 1.5e300, '': {} };
  assert.equal(canonicalJson(tricky), '{"":{},"A":1.5e+300,"a\\"b":"q\\"\\n","b":[1,,null,"x",{"y":[true,{"é":0}]}]}');
  assert.equal(canonicalJson([undefined]), '[]');
});
