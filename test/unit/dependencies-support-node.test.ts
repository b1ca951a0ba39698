import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

/**
 * Every package the lock file installs accepts the oldest Node.js the project says it runs on
 * (package.json `engines`): a dependency update that needs a newer Node fails here, not on a
 * user's machine.
 */
test('every locked package supports the Node.js version package.json promises', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
  const oldest = semver.minVersion(manifest.engines.node);
  assert.ok(oldest, `package.json engines.node is a range: ${manifest.engines.node}`);
  const refusing = Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .flatMap(([path, info]) => {
      // Old packages list engines as an array of strings; only the object form states a node range.
      const range = Array.isArray(info.engines) ? undefined : info.engines?.node;
      return range && !semver.satisfies(oldest, range) ? [`${path}@${info.version} needs node ${range}`] : [];
    });
  assert.deepEqual(refusing, [], `the oldest supported Node.js is ${oldest.version}`);
});
