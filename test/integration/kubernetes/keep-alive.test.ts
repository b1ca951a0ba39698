import assert from 'node:assert/strict';
import https from 'node:https';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { Cluster } from '../../../src/runtime/kubernetes/cluster.js';
import { testKubeconfig } from './fixture.js';

test('requests to the API server reuse one keep-alive connection, not a new TLS connection each', async () => {
  const config = new KubeConfig();
  config.loadFromFile(testKubeconfig());
  const cluster = new Cluster(config);
  const agents = new Set<unknown>();
  const sockets = new Set<Socket>();
  // The client sends every request through https.request (node-fetch): see which agent and socket it gets.
  const mod = https as unknown as { request: (...args: unknown[]) => ReturnType<typeof https.request> };
  const original = mod.request;
  mod.request = (...args: unknown[]) => {
    agents.add((args[0] as { agent?: unknown }).agent);
    const request = original(...args);
    request.on('socket', (socket: Socket) => sockets.add(socket));
    return request;
  };
  try {
    for (let i = 0; i < 10; i++) assert.ok(await cluster.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
  } finally {
    mod.request = original;
    cluster.close();
  }
  assert.equal(agents.size, 1, 'one agent for every request');
  assert.ok(sockets.size <= 2, `10 reads one after another opened ${sockets.size} connections`);
});
