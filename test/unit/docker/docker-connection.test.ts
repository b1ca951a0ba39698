import assert from 'node:assert/strict';
import { test } from 'node:test';
import Docker from 'dockerode';
import { DockerConnection, DockerUnreachableError, dockerAddress, isConnectionError } from '../../../src/runtime/docker/docker-connection.js';

test('the engine address follows DOCKER_HOST as dockerode reads it', () => {
  assert.equal(dockerAddress(new Docker({ socketPath: '/run/user/1000/docker.sock' })), 'unix:///run/user/1000/docker.sock');
  assert.equal(dockerAddress(new Docker({ host: '10.0.0.5', port: 2375, protocol: 'http' })), 'tcp://10.0.0.5:2375');
  assert.equal(dockerAddress(new Docker({ host: 'docker.internal', port: 2376, protocol: 'https' })), 'https://docker.internal:2376');
  // DOCKER_HOST unset: dockerode finds the local socket itself, at first use.
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    assert.equal(dockerAddress(new Docker()), 'unix:///var/run/docker.sock');
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
});

test('socket failures are connection errors; answers of the engine are not', () => {
  assert.ok(isConnectionError(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT', syscall: 'connect' })));
  assert.ok(isConnectionError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
  assert.ok(!isConnectionError(Object.assign(new Error('no such container'), { statusCode: 404 })));
  assert.ok(!isConnectionError(new Error('plain')));
  assert.ok(!isConnectionError(new DockerUnreachableError('the Docker Engine is unreachable')));
});

test('an engine away: calls fail with its address and the fix, logged once; back: connected once, calls pass', async () => {
  const socketPath = `/tmp/slipway-no-docker-${process.pid}.sock`;
  const docker = new Docker({ socketPath });
  let up = false;
  // The ping is the only call made on the engine here: answer it as the test says.
  docker.ping = (async () => {
    if (!up) throw Object.assign(new Error(`connect ENOENT ${socketPath}`), { code: 'ENOENT', syscall: 'connect' });
    return 'OK';
  }) as typeof docker.ping;
  const logs: Array<[string, string]> = [];
  let connected = 0;
  const connection = new DockerConnection(docker, { log: (message, level) => logs.push([level, message]), onConnected: async () => void connected++ });
  try {
    assert.equal(await connection.open(), false);
    await assert.rejects(
      connection.call(async () => 'never'),
      (error: Error) => error instanceof DockerUnreachableError && error.message.includes(`unix://${socketPath}`) && /start Docker, or set DOCKER_HOST/.test(error.message),
    );
    assert.equal(connection.status().available, false);
    assert.equal(logs.filter(([level]) => level === 'warn').length, 1, 'the outage is logged once');

    up = true;
    assert.equal(await connection.call(async () => 'ran'), 'ran');
    assert.equal(connected, 1);
    assert.deepEqual(connection.status(), { name: 'docker', available: true, address: `unix://${socketPath}` });
    assert.deepEqual(
      logs.filter(([, message]) => message.startsWith('connected')),
      [['info', `connected to the Docker Engine at unix://${socketPath}`]],
    );
  } finally {
    connection.close();
  }
});
