import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { describeOnEachBackend } from './store-backends.js';

/** A host port taken by another program is given up for another one, recorded (docs/runtimes.md#docker). */

describeOnEachBackend('host port reallocation', (s) => {

  it('moves the service port off the unavailable ports, to the lowest other free one, and keeps it', async () => {
    const project = await s.store.createProject({ name: 'p' });
    const env = await s.store.createEnvironment({ projectId: project.id, name: 'e', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS });
    const service = (n: string) =>
      s.store.createService({ environmentId: env.id, name: n, type: 'container', source: { image: { name: 'app', tag: 'v1' } }, settings: DEFAULT_SERVICE_SETTINGS });
    const [a, b] = [await service('a'), await service('b')];
    const range = { from: 45000, to: 45009 };
    assert.equal(await s.store.allocateHostPort(a.id, 80, range), 45000);
    assert.equal(await s.store.allocateHostPort(b.id, 80, range), 45001);
    assert.equal(await s.store.reallocateHostPort(a.id, 80, range, [45000]), 45002);
    assert.equal(await s.store.reallocateHostPort(a.id, 80, range, [45000, 45002]), 45003);
    assert.equal(await s.store.allocateHostPort(a.id, 80, range), 45003, 'stable from now on');
    assert.deepEqual(await s.store.listHostPorts(a.id), [{ serviceId: a.id, containerPort: 80, hostPort: 45003 }]);
    // Another process already moved it: the port it chose stands.
    assert.equal(await (await s.backend.openStore()).reallocateHostPort(a.id, 80, range, [45000]), 45003);
    await assert.rejects(s.store.reallocateHostPort(b.id, 80, { from: 45001, to: 45001 }, [45001]), /no free host port/);
  });
});
