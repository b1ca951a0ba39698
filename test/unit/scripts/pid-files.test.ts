import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * scripts/lib/pid-files.sh: a pid file counts only while its pid runs the executable it names.
 * A machine resumed without its processes hands their old pids to others; dockerd once waited
 * for a "containerd" that was another process.
 */

const helper = fileURLToPath(new URL('../../../scripts/lib/pid-files.sh', import.meta.url));
/** This test's own process: alive, and running node. */
const liveNode = String(process.pid);
const nodeExecutable = basename(process.execPath);

function bash(script: string): { status: number | null; stdout: string } {
  const run = spawnSync('bash', ['-c', `. "${helper}"; ${script}`], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout.trim() };
}

function withPidFile(content: string, check: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-pid-files-'));
  try {
    const file = join(dir, 'daemon.pid');
    writeFileSync(file, content);
    check(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('running_pid prints the pid while it runs the named executable, with or without a newline', () => {
  for (const content of [liveNode, `${liveNode}\n/var/lib/data\n`]) {
    withPidFile(content, (file) => {
      assert.deepEqual(bash(`running_pid "${file}" "${nodeExecutable}"`), { status: 0, stdout: liveNode });
    });
  }
});

test('running_pid refuses a live pid that runs another executable', () => {
  withPidFile(liveNode, (file) => {
    assert.equal(bash(`running_pid "${file}" containerd`).status, 1);
  });
});

test('running_pid refuses a missing file, a pid nobody has, and a file that holds no pid', () => {
  assert.equal(bash('running_pid /nonexistent/daemon.pid node').status, 1);
  // Above the kernel's largest pid (pid_max is at most 2^22).
  withPidFile('4194305', (file) => assert.equal(bash(`running_pid "${file}" node`).status, 1));
  withPidFile('not a pid', (file) => assert.equal(bash(`running_pid "${file}" node`).status, 1));
});

test('forget_stale_pid_file removes a file whose pid runs something else, and keeps one that is current', () => {
  withPidFile(liveNode, (file) => {
    assert.equal(bash(`forget_stale_pid_file "${file}" "${nodeExecutable}"`).status, 0);
    assert.ok(existsSync(file), 'the file of a running daemon is kept');
    assert.equal(bash(`forget_stale_pid_file "${file}" containerd`).status, 0);
    assert.ok(!existsSync(file), 'the stale file is gone');
  });
});
