import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { compiledPerShape, rowsOf, slotAs } from '../../../src/store/compiled-once.js';
import { openDatabase, type OpenedDatabase } from '../../../src/store/dialect.js';

/** Statements of many rows are built and compiled once per argument count, then only run. */

let dir = '';
let opened: OpenedDatabase;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-compiled-once-'));
  opened = await openDatabase({ dataDir: dir });
  await sql`create table deployment_steps (id integer primary key, deployment_id text, service_id text, name text, status text, started_at text, ended_at text, duration_ms integer, message text)`.execute(opened.db);
});

after(async () => {
  await opened.db.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** An insert of (service id, duration) rows, counting how often Kysely is asked to build it. */
function countedInsert() {
  let builds = 0;
  const insert = compiledPerShape((db, slots) => {
    builds++;
    return db
      .insertInto('deployment_steps')
      .values(rowsOf(slots, 2).map(([service_id, duration_ms]) => ({ deployment_id: sql<string>`'d'`, service_id, name: sql<string>`'deploy'`, status: sql<string>`'RUNNING'`, started_at: sql<string>`'t'`, duration_ms: slotAs<number | null>(duration_ms) })))
      .returning(['service_id', 'duration_ms']);
  });
  return { insert, builds: () => builds };
}

test('each row gets its own values, numbers and nulls included, whatever the row count', async () => {
  const { insert } = countedInsert();
  for (const count of [1, 3, 50]) {
    const args = Array.from({ length: count }, (_, i) => [`s${count}-${i}`, i % 2 === 0 ? i : null]).flat();
    const rows = await insert(opened, args);
    assert.deepEqual(
      rows.map((r) => [r.service_id, r.duration_ms]),
      Array.from({ length: count }, (_, i) => [`s${count}-${i}`, i % 2 === 0 ? i : null]),
    );
  }
});

test('a row count is built once: the next statements of that count only run', async () => {
  const { insert, builds } = countedInsert();
  await insert(opened, ['a', 1, 'b', 2]);
  await insert(opened, ['c', 3, 'd', 4]);
  assert.equal(builds(), 1);
  await insert(opened, ['e', 5]);
  assert.equal(builds(), 2, 'another row count is built anew');
  await insert(opened, ['f', 6, 'g', 7]);
  assert.equal(builds(), 2);
});

test('past 32 row counts the least recently used is let go', async () => {
  const { insert, builds } = countedInsert();
  const rowsOfCount = (count: number) => Array.from({ length: count }, (_, i) => [`lru-${count}-${i}`, i]).flat();
  for (let count = 1; count <= 32; count++) await insert(opened, rowsOfCount(count));
  await insert(opened, rowsOfCount(1)); // used again: now the most recent
  await insert(opened, rowsOfCount(33)); // lets go of 2 rows
  assert.equal(builds(), 33);
  await insert(opened, rowsOfCount(1));
  assert.equal(builds(), 33, '1 row stayed');
  await insert(opened, rowsOfCount(2));
  assert.equal(builds(), 34, '2 rows were built again');
});

test('a statement with a value that is not one of its arguments is refused when first run', async () => {
  const literal = compiledPerShape((db, [serviceId]) => db.insertInto('deployment_steps').values({ deployment_id: 'bound as a parameter, not an argument', service_id: serviceId!, name: sql<string>`'deploy'`, status: sql<string>`'RUNNING'`, started_at: sql<string>`'t'` }));
  await assert.rejects(literal(opened, ['s']), /parameters are not its 1 arguments, each once/);
  const twice = compiledPerShape((db, [serviceId]) => db.selectFrom('deployment_steps').select('id').where('service_id', '=', serviceId!).where('deployment_id', '=', serviceId!));
  await assert.rejects(twice(opened, ['s']), /each once/);
});
