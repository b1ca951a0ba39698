import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatabaseSource } from '../../../src/domain/index.js';
import { withDatabaseCredentials } from '../../../src/domain/databases.js';
import { randomSecret } from '../../../src/engine/random-secret.js';

/** The credentials generated for a new container database, as the official images accept them. */

const mysql: DatabaseSource = { engine: 'mysql', version: '8', mode: 'container', storageGb: 1 };
const valueOf = (env: Array<{ key: string; value: string }>, key: string) => env.find((v) => v.key === key)?.value;

test('mysql: a service named root gets a regular user, not root (the official image exits on MYSQL_USER=root)', () => {
  const env = withDatabaseCredentials(mysql, 'root', [], randomSecret);
  assert.equal(valueOf(env, 'MYSQL_USER'), 'root_user');
  assert.equal(valueOf(env, 'MYSQL_DATABASE'), 'root');
});

test('mysql: the user and database are the service name as an identifier', () => {
  const env = withDatabaseCredentials(mysql, 'sql-db', [], randomSecret);
  assert.equal(valueOf(env, 'MYSQL_USER'), 'sql_db');
  assert.equal(valueOf(env, 'MYSQL_DATABASE'), 'sql_db');
});

test('mysql: a long service name gives a user of at most 32 characters (MySQL 8 refuses longer ones), the database keeps the full name', () => {
  const name = 'a-very-long-database-service-name-for-the-orders';
  const env = withDatabaseCredentials(mysql, name, [], randomSecret);
  assert.equal(valueOf(env, 'MYSQL_USER'), 'a_very_long_database_service_nam');
  assert.equal(valueOf(env, 'MYSQL_DATABASE'), name.replace(/-/g, '_'));
});
