import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SERVICE_SETTINGS, type Service } from '../../../src/domain/index.js';
import { secretEnvKeys } from '../../../src/domain/desired-spec.js';

test('the env keys the engine marks secret for the runtime: own secret variables and injected connections, unless set plain', () => {
  const service = {
    settings: {
      ...DEFAULT_SERVICE_SETTINGS,
      env: [
        { key: 'PLAIN', value: 'x', secret: false },
        { key: 'TOKEN', value: 'y', secret: true },
        { key: 'DB_HOST', value: 'override', secret: false },
      ],
    },
  } as Service;
  const injected = { DB_HOST: 'db', DB_PASSWORD: 'pw', DB_URL: 'postgresql://u:pw@db:5432/app' };
  assert.deepEqual(secretEnvKeys(service, injected), ['DB_PASSWORD', 'DB_URL', 'TOKEN']);
  assert.deepEqual(secretEnvKeys(service), ['TOKEN']);
});
