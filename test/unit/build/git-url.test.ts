import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gitUrlProblem } from '../../../src/api/git-url.js';
import { scrub } from '../../../src/build/git-client.js';
import { parseGitRemote } from '../../../src/build/git-remote.js';

test('a host or user starting with "-" is refused in every URL form (ssh would read it as an option)', () => {
  const refused = [
    // ssh://
    'ssh://-oProxyCommand=touch%20pwned/r.git',
    'ssh://-oProxyCommand=x/r.git',
    'ssh://%2DoProxyCommand=x/r.git',
    'ssh://git@-host/r.git',
    'ssh://-oProxyCommand=x@host/r.git',
    // scp-like
    'git@-oProxyCommand:r.git',
    'git@-host:r.git',
    '-user@host:r.git',
    // https://
    'https://-host/r.git',
    'https://-user:token123@host/r.git',
    'http://%2Dhost/r.git',
  ];
  for (const url of refused) assert.ok(gitUrlProblem(url) !== null, `accepted: ${url}`);
  for (const url of ['ssh://git@host/r.git', 'ssh://git@host:2222/r.git', 'git@host:org/r.git', 'https://host/r.git', 'https://u-1:token123@host/r.git', 'file:///srv/r.git']) {
    assert.equal(gitUrlProblem(url), null, url);
  }
});

test('the build refuses those URLs too (stored before the API refused them)', () => {
  for (const url of ['ssh://-oProxyCommand=x/r.git', 'ssh://git@-host/r.git', 'ssh://-u@host/r.git', 'git@-host:r.git', '-u@host:r.git']) {
    assert.throws(() => parseGitRemote(url), /starting with "-"|cannot be parsed/, url);
  }
  assert.equal(parseGitRemote('ssh://git@host/r.git').kind, 'ssh');
});

test("git's output is scrubbed of every credential, the longest first, and of a URL's whole userinfo", () => {
  assert.equal(scrub('fatal: token abcd-2 and abcd', ['abcd', 'abcd-2']), 'fatal: token ******** and ********');
  assert.equal(scrub("fatal: unable to access 'https://u:p@ss@host/r.git/'", []), "fatal: unable to access 'https://********@host/r.git/'");
});
