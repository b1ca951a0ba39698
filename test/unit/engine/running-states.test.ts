import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { RunningState } from '../../../src/domain/index.js';
import { EventBus } from '../../../src/engine/events.js';
import type { RuntimeResolver } from '../../../src/engine/runtime-resolver.js';
import { RunningStates } from '../../../src/engine/running-states.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import type { Store } from '../../../src/store/store.js';

const STARTING: RunningState = { status: 'STARTING', instances: [] };
const RUNNING: RunningState = { status: 'RUNNING', instances: [] };

test('an observation that started earlier but ended later does not replace a newer one', async () => {
  // The runtime answers each observe() when the test says so, in any order.
  const answers: Array<(state: RunningState) => void> = [];
  const runtime = { observe: () => new Promise<RunningState>((resolve) => answers.push(resolve)) } as unknown as Runtime;
  const resolver = { forService: async () => ({ runtime, target: { environmentId: 'env' }, projectId: 'p' }) } as unknown as RuntimeResolver;
  const states = new RunningStates({} as Store, resolver, new EventBus(), pino({ level: 'silent' }), { waitMs: 1000 });
  const service = { id: 'svc', status: 'DEPLOYED' } as const;

  const sweep = states.refresh('svc'); // saw the instance starting…
  const afterDeploy = states.refresh('svc'); // …the deploy's own look, later, saw it ready
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(answers.length, 2);
  answers[1]!(RUNNING);
  await afterDeploy;
  answers[0]!(STARTING);
  await sweep;
  assert.equal(states.get(service).status, 'RUNNING');

  // A later observation still applies.
  const next = states.refresh('svc');
  await new Promise((resolve) => setImmediate(resolve));
  answers[2]!(STARTING);
  await next;
  assert.equal(states.get(service).status, 'STARTING');
});

test('the sweep observes an environment at once where the runtime can, each other service alone', async () => {
  const calls: string[] = [];
  const grouped = {
    observe: async (target: { serviceId: string }) => (calls.push(`observe ${target.serviceId}`), RUNNING),
    observeEnvironment: async (env: { environmentId: string }, ids: readonly string[]) => {
      calls.push(`environment ${env.environmentId}: ${[...ids].sort().join(',')}`);
      return new Map(ids.map((id) => [id, id === 'b' ? STARTING : RUNNING]));
    },
  } as unknown as Runtime;
  const single = { observe: async (target: { serviceId: string }) => (calls.push(`observe ${target.serviceId}`), RUNNING) } as unknown as Runtime;
  const where: Record<string, { runtime: Runtime; environmentId: string }> = {
    a: { runtime: grouped, environmentId: 'e1' },
    b: { runtime: grouped, environmentId: 'e1' },
    c: { runtime: grouped, environmentId: 'e2' },
    d: { runtime: single, environmentId: 'e3' },
  };
  const resolver = {
    forService: async (id: string) => ({ runtime: where[id]!.runtime, target: { serviceId: id, environmentId: where[id]!.environmentId }, projectId: 'p' }),
  } as unknown as RuntimeResolver;
  const states = new RunningStates({} as Store, resolver, new EventBus(), pino({ level: 'silent' }), { waitMs: 1000 });
  for (const id of Object.keys(where)) await states.refresh(id);
  calls.length = 0;

  await states.sweep();
  // The service without observeEnvironment is refreshed on its own, after a short debounce.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(calls.sort(), ['environment e1: a,b', 'environment e2: c', 'observe d']);
  assert.equal(states.get({ id: 'b', status: 'DEPLOYED' }).status, 'STARTING');
  assert.equal(states.get({ id: 'a', status: 'DEPLOYED' }).status, 'RUNNING');
  states.stop();
});

test('services a runtime reports changed together are observed an environment at once; a deleted one is forgotten', async () => {
  const calls: string[] = [];
  const grouped = {
    observe: async (target: { serviceId: string }) => (calls.push(`observe ${target.serviceId}`), RUNNING),
    observeEnvironment: async (env: { environmentId: string }, ids: readonly string[]) => {
      calls.push(`environment ${env.environmentId}: ${[...ids].sort().join(',')}`);
      return new Map(ids.map((id) => [id, STARTING]));
    },
  } as unknown as Runtime;
  const single = { observe: async (target: { serviceId: string }) => (calls.push(`observe ${target.serviceId}`), RUNNING) } as unknown as Runtime;
  const where: Record<string, { runtime: Runtime; environmentId: string } | undefined> = {
    a: { runtime: grouped, environmentId: 'e1' },
    b: { runtime: grouped, environmentId: 'e1' },
    c: { runtime: grouped, environmentId: 'e2' },
    d: { runtime: single, environmentId: 'e3' },
    gone: { runtime: grouped, environmentId: 'e1' },
  };
  const resolver = {
    forService: async (id: string) => {
      const placed = where[id];
      return placed ? { runtime: placed.runtime, target: { serviceId: id, environmentId: placed.environmentId }, projectId: 'p' } : undefined;
    },
  } as unknown as RuntimeResolver;
  const states = new RunningStates({} as Store, resolver, new EventBus(), pino({ level: 'silent' }), { waitMs: 1000 });
  await states.refresh('gone');
  assert.equal(states.get({ id: 'gone', status: 'DEPLOYED' }).status, 'RUNNING');
  where.gone = undefined;
  calls.length = 0;

  // A burst of runtime events, some for the same service more than once.
  for (const id of ['a', 'c', 'b', 'a', 'd', 'gone', 'b']) states.refreshSoon(id);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(calls.sort(), ['environment e1: a,b', 'environment e2: c', 'observe d']);
  assert.equal(states.get({ id: 'a', status: 'DEPLOYED' }).status, 'STARTING');
  assert.equal(states.get({ id: 'd', status: 'DEPLOYED' }).status, 'RUNNING');
  assert.equal(states.get({ id: 'gone', status: 'DEPLOYED' }).status, 'UNKNOWN', 'forgotten: no state kept');
  states.stop();
});
