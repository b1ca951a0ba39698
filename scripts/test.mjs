#!/usr/bin/env node
// Runs Slipway's test suite with Node's test runner: unit tests, then integration tests against
// the real services that scripts/services/up.sh installs and starts (Docker Engine, a registry,
// PostgreSQL, test images). Usage: npm test [-- --only unit|integration] [-- <file filter>...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const filters = args.filter((a, i) => a !== '--only' && i !== onlyIndex + 1);

function testFiles(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const suites = only ? [only] : ['unit', 'integration'];
const files = suites
  .flatMap((suite) => testFiles(join(root, 'test', suite)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
if (files.length === 0) {
  console.error('no test file matches');
  process.exit(1);
}

if (files.some((f) => f.startsWith('test/integration')) && !process.env.SLIPWAY_TEST_SKIP_SERVICES) {
  const up = spawnSync('bash', [join(root, 'scripts/services/up.sh')], { stdio: 'inherit' });
  if (up.status !== 0) {
    console.error('scripts/services/up.sh failed: the integration tests need its services');
    process.exit(up.status ?? 1);
  }
}

// One file at a time: integration files share one Docker Engine and must not race for its ports.
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(run.status ?? 1);
