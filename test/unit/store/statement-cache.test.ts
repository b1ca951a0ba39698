import assert from 'node:assert/strict';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { withStatementCache } from '../../../src/store/statement-cache.js';

function counted() {
  const sqlite = new SqliteDatabase(':memory:');
  let prepared = 0;
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((sql: string) => {
    prepared++;
    return prepare(sql);
  }) as typeof sqlite.prepare;
  return { sqlite, prepared: () => prepared };
}

test('a SQL text is prepared once, then reused', () => {
  const { sqlite, prepared } = counted();
  const db = withStatementCache(sqlite);
  db.prepare('create table t (n integer)').run([]);
  for (let n = 0; n < 5; n++) db.prepare('insert into t (n) values (?)').run([n]);
  assert.deepEqual(db.prepare('select sum(n) as total from t').all([]), [{ total: 10 }]);
  assert.equal(prepared(), 3);
  db.close();
});

test('beyond its size the least recently used statement is let go', () => {
  const { sqlite, prepared } = counted();
  const db = withStatementCache(sqlite, 2);
  db.prepare('select 1').all([]);
  db.prepare('select 2').all([]);
  db.prepare('select 1').all([]); // used again: now the most recent
  db.prepare('select 3').all([]); // evicts "select 2"
  assert.equal(prepared(), 3);
  db.prepare('select 1').all([]);
  assert.equal(prepared(), 3, 'select 1 stayed');
  db.prepare('select 2').all([]);
  assert.equal(prepared(), 4, 'select 2 was prepared again');
  db.close();
});

test('a statement still iterating is not handed out again', () => {
  const { sqlite } = counted();
  const db = withStatementCache(sqlite);
  db.prepare('create table t (n integer)').run([]);
  for (let n = 0; n < 3; n++) db.prepare('insert into t (n) values (?)').run([n]);
  const outer = db.prepare('select n from t order by n').iterate([]);
  const first = outer.next();
  assert.equal(first.done, false);
  // The same text while the first iteration is open: a fresh statement, no "busy" error.
  assert.equal(db.prepare('select n from t order by n').all([]).length, 3);
  outer.return?.();
  db.close();
});
