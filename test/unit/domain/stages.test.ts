import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  planStages,
  type PlannedStage,
  type Service,
  type ServiceOperation,
  type Stage,
  type TypedSource,
} from '../../../src/domain/index.js';

type Staged = Pick<Service, 'id' | 'stageId'> & TypedSource;

const image = { image: { name: 'busybox', tag: '1' } };
const git = { git: { url: 'https://example.com/a.git', branch: 'main', rootPath: '/', dockerfilePath: 'Dockerfile' } };

function database(id: string, stageId: string | null = null): Staged {
  return { id, type: 'database', source: { engine: 'postgresql', version: '16', mode: 'container', storageGb: 1 }, stageId };
}
function lifecycleJob(id: string, stageId: string | null = null): Staged {
  return {
    id,
    type: 'job',
    source: { jobType: 'lifecycle', events: ['start'], source: image, maxDurationSeconds: 60, maxRestarts: 0 },
    stageId,
  };
}
function deleteJob(id: string, stageId: string | null = null, events: Array<'start' | 'stop' | 'delete'> = ['delete']): Staged {
  return {
    id,
    type: 'job',
    source: { jobType: 'lifecycle', events, source: image, maxDurationSeconds: 60, maxRestarts: 0 },
    stageId,
  };
}
function cronJob(id: string, stageId: string | null = null): Staged {
  return {
    id,
    type: 'job',
    source: { jobType: 'cron', schedule: '* * * * *', source: git, maxDurationSeconds: 60, maxRestarts: 0 },
    stageId,
  };
}
function container(id: string, stageId: string | null = null): Staged {
  return { id, type: 'container', source: image, stageId };
}
function application(id: string, stageId: string | null = null): Staged {
  return { id, type: 'application', source: git, stageId };
}

/** Stages as [name, sorted service ids], in the order they run. */
function shape(stages: PlannedStage[]): Array<[string, string[]]> {
  return stages.map((s) => [s.name, [...s.serviceIds].sort()]);
}

// Given out of order on purpose.
const ONE_OF_EACH: Staged[] = [
  application('app1'),
  cronJob('cron1'),
  container('ctr1'),
  database('db1'),
  application('app2'),
  lifecycleJob('life1'),
  database('db2'),
];

const DEFAULT_ORDER: Array<[string, string[]]> = [
  ['databases', ['db1', 'db2']],
  ['lifecycle jobs', ['life1']],
  ['cron jobs', ['cron1']],
  ['containers', ['ctr1']],
  ['applications', ['app1', 'app2']],
];

test('default order: databases, lifecycle jobs, cron jobs, containers, applications', () => {
  assert.deepEqual(shape(planStages(ONE_OF_EACH, [], 'deploy')), DEFAULT_ORDER);
  assert.deepEqual(shape(planStages(ONE_OF_EACH, [], 'restart')), DEFAULT_ORDER);
});

test('Stop and Delete run the stages in reverse order', () => {
  const reversed = [...DEFAULT_ORDER].reverse();
  assert.deepEqual(shape(planStages(ONE_OF_EACH, [], 'stop')), reversed);
  assert.deepEqual(shape(planStages(ONE_OF_EACH, [], 'delete')), reversed);
});

test('Delete runs the lifecycle jobs with the delete event before anything else is deleted', () => {
  // Table: services (given out of order), the stages Delete runs them in.
  const table: Array<{ services: Staged[]; custom?: Stage[]; expected: Array<[string, string[]]> }> = [
    {
      // The reversed default order would delete the applications first.
      services: [...ONE_OF_EACH, deleteJob('cleanup')],
      expected: [
        ['lifecycle jobs (delete jobs)', ['cleanup']],
        ['applications', ['app1', 'app2']],
        ['containers', ['ctr1']],
        ['cron jobs', ['cron1']],
        ['lifecycle jobs', ['life1']],
        ['databases', ['db1', 'db2']],
      ],
    },
    {
      // Only delete jobs in their stage: it keeps its name, and runs first.
      services: [application('web'), database('db'), deleteJob('backup', null, ['start', 'delete'])],
      expected: [
        ['lifecycle jobs', ['backup']],
        ['applications', ['web']],
        ['databases', ['db']],
      ],
    },
    {
      // A job listening to start and stop only is deleted in its stage's place.
      services: [application('web'), deleteJob('warm', null, ['start', 'stop'])],
      expected: [
        ['applications', ['web']],
        ['lifecycle jobs', ['warm']],
      ],
    },
    {
      // Delete jobs in user stages run first, among themselves in Delete's reverse order.
      services: [application('web'), deleteJob('early', 'first'), deleteJob('late', 'last'), container('smoke', 'last')],
      custom: [
        { id: 'first', name: 'before everything', order: 1 },
        { id: 'last', name: 'smoke tests', order: 10_000 },
      ],
      expected: [
        ['smoke tests (delete jobs)', ['late']],
        ['before everything', ['early']],
        ['smoke tests', ['smoke']],
        ['applications', ['web']],
      ],
    },
  ];
  for (const row of table) {
    assert.deepEqual(shape(planStages(row.services, row.custom ?? [], 'delete')), row.expected);
  }
  // Other actions keep the plain order: a delete job is one lifecycle job among others.
  assert.deepEqual(shape(planStages([application('web'), deleteJob('cleanup')], [], 'stop')), [
    ['applications', ['web']],
    ['lifecycle jobs', ['cleanup']],
  ]);
});

test('user stages are placed by their order among the default ones', () => {
  const custom: Stage[] = [
    { id: 'first', name: 'before everything', order: 1 },
    { id: 'migrate', name: 'migrations', order: 150 },
    { id: 'last', name: 'smoke tests', order: 10_000 },
  ];
  const services: Staged[] = [
    application('web'),
    container('smoke', 'last'),
    lifecycleJob('migrations', 'migrate'),
    database('db'),
    application('seed', 'first'),
    lifecycleJob('hook'),
  ];
  const expected: Array<[string, string[]]> = [
    ['before everything', ['seed']],
    ['databases', ['db']],
    ['migrations', ['migrations']],
    ['lifecycle jobs', ['hook']],
    ['applications', ['web']],
    ['smoke tests', ['smoke']],
  ];
  assert.deepEqual(shape(planStages(services, custom, 'deploy')), expected);
  assert.deepEqual(shape(planStages(services, custom, 'stop')), [...expected].reverse());
  const orders = planStages(services, custom, 'deploy').map((s) => s.order);
  assert.deepEqual(orders.slice(0, 3), [1, 100, 150]);
});

test('a service whose stage does not exist falls back to its default stage', () => {
  const services: Staged[] = [database('db', 'gone'), application('web', 'also-gone'), container('c')];
  assert.deepEqual(shape(planStages(services, [], 'deploy')), [
    ['databases', ['db']],
    ['containers', ['c']],
    ['applications', ['web']],
  ]);
  // The same with other user stages defined, none of them the missing one.
  const custom: Stage[] = [{ id: 'other', name: 'other', order: 50 }];
  assert.deepEqual(shape(planStages(services, custom, 'deploy')), [
    ['databases', ['db']],
    ['containers', ['c']],
    ['applications', ['web']],
  ]);
});

test('empty stages are left out, default or user-defined', () => {
  const custom: Stage[] = [{ id: 'unused', name: 'unused', order: 250 }];
  const plan = planStages([application('web'), database('db')], custom, 'deploy');
  assert.deepEqual(shape(plan), [
    ['databases', ['db']],
    ['applications', ['web']],
  ]);
  assert.deepEqual(planStages([], custom, 'deploy'), []);
});

// ---- Properties ----------------------------------------------------------------------------

const makers = [database, lifecycleJob, cronJob, container, application];
const DEFAULT_IDS = ['databases', 'lifecycle-jobs', 'cron-jobs', 'containers', 'applications'];
const DEFAULT_ORDERS = [100, 200, 300, 400, 500];
const DEFAULT_NAMES = ['databases', 'lifecycle jobs', 'cron jobs', 'containers', 'applications'];

const scenario = fc
  .uniqueArray(fc.integer({ min: 1, max: 1000 }).filter((o) => !DEFAULT_ORDERS.includes(o)), { maxLength: 4 })
  .chain((orders) => {
    const custom: Stage[] = orders.map((order, i) => ({ id: `custom-${i}`, name: `custom ${i}`, order }));
    const stageIds = [...DEFAULT_IDS, ...custom.map((s) => s.id), 'missing'];
    const service = fc.record({
      kind: fc.integer({ min: 0, max: makers.length - 1 }),
      stageId: fc.option(fc.constantFrom(...stageIds), { nil: null }),
    });
    return fc.tuple(fc.constant(custom), fc.array(service, { maxLength: 15 }));
  })
  .map(([custom, specs]) => {
    // Where each service must land: its own stage if it exists, else its type's default.
    const nameOf = new Map<string, string>([
      ...DEFAULT_IDS.map((id, i): [string, string] => [id, DEFAULT_NAMES[i]!]),
      ...custom.map((stage): [string, string] => [stage.id, stage.name]),
    ]);
    const expectedStage = new Map<string, string>();
    const services = specs.map((s, i) => {
      const id = `svc-${i}`;
      const own = s.stageId === null ? undefined : nameOf.get(s.stageId);
      expectedStage.set(id, own ?? DEFAULT_NAMES[s.kind]!);
      return makers[s.kind]!(id, s.stageId);
    });
    return { custom, services, expectedStage };
  });

test('property: every service runs exactly once in its stage (or its default), no stage is empty, stages run by order (reversed for Stop and Delete)', () => {
  const operations: ServiceOperation[] = ['deploy', 'stop', 'restart', 'delete'];
  fc.assert(
    fc.property(scenario, fc.constantFrom(...operations), ({ custom, services, expectedStage }, operation) => {
      const plan = planStages(services, custom, operation);
      for (const stage of plan) {
        for (const id of stage.serviceIds) assert.equal(stage.name, expectedStage.get(id), `stage of ${id}`);
      }
      const ids = plan.flatMap((s) => s.serviceIds);
      assert.deepEqual([...ids].sort(), services.map((s) => s.id).sort());
      for (const stage of plan) assert.ok(stage.serviceIds.length > 0, `empty stage ${stage.name}`);
      const orders = plan.map((s) => s.order);
      const sorted = [...orders].sort((a, b) => a - b);
      const reverse = operation === 'stop' || operation === 'delete';
      assert.deepEqual(orders, reverse ? sorted.reverse() : sorted);
      if (reverse) {
        const forward = planStages(services, custom, 'deploy');
        assert.deepEqual(shape(plan), shape(forward).reverse());
      }
    }),
    { numRuns: 300 },
  );
});
