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
