import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { prepareOnEachConnection, withPreparedStatements } from '../../src/store/prepared-statements.js';
import { TEST_DATABASE_URL } from './store-backends.js';

/** The hot reads go to PostgreSQL as named statements: parsed and planned once per connection. */
test('a registered SQL text is prepared once on the connection and reused; any other text is not prepared', async () => {
  const pool = withPreparedStatements(new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }));
  // One client, called as Kysely's driver calls it: the session that prepares is the one asked about.
  const client = await pool.connect();
  try {
    const hot = 'select $1::int + 1 as next';
    const cold = 'select $1::int + 2 as next';
    prepareOnEachConnection(hot);
    for (let n = 0; n < 3; n++) {
      assert.deepEqual((await client.query(hot, [n])).rows, [{ next: n + 1 }]);
      assert.deepEqual((await client.query(cold, [n])).rows, [{ next: n + 2 }]);
    }
    const { rows } = await client.query('select statement from pg_prepared_statements');
    assert.deepEqual(
      rows.map((r: { statement: string }) => r.statement),
      [hot],
    );
  } finally {
    client.release();
    await pool.end();
  }
});

test('a prepared read whose table gained a column (another process migrated) is read again unnamed, and stays so', async () => {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  const table = `prepared_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`create table ${table} (id int primary key)`);
  await admin.query(`insert into ${table} values (1)`);
  const pool = withPreparedStatements(new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }));
  const client = await pool.connect();
  try {
    const read = `select * from ${table} where id = $1`;
    prepareOnEachConnection(read);
    assert.deepEqual((await client.query(read, [1])).rows, [{ id: 1 }]);
    await admin.query(`alter table ${table} add column note text default 'added'`);
    // Prepared, this read now fails ("cached plan must not change result type"): it is sent again unnamed.
    assert.deepEqual((await client.query(read, [1])).rows, [{ id: 1, note: 'added' }]);
    assert.deepEqual((await client.query(read, [1])).rows, [{ id: 1, note: 'added' }]);
  } finally {
    client.release();
    await pool.end();
    await admin.query(`drop table ${table}`);
    await admin.end();
  }
});
