import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';

/**
 * Pebble, Let's Encrypt's ACME test server (built by scripts/services/pebble.sh), started for
 * one test on the docker0 address, where the edge container reaches it. Its own TLS
 * certificate comes from a throwaway CA made with openssl. Challenges are not validated
 * (PEBBLE_VA_ALWAYS_VALID: no DNS points at this machine).
 */
export interface Pebble {
  directory: string;
  /** PEM: the CA of Pebble's own certificate, then the root it issues certificates from. */
  roots: string;
  stop(): Promise<void>;
}

const run = (file: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) => execFile(file, args, (error, stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(' ')}: ${stderr}`)) : resolve(stdout))));

/** docker0's address, where containers on the default bridge reach the host (listed even while no container is attached). */
export async function docker0Address(): Promise<string> {
  const fromNode = networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address;
  if (fromNode) return fromNode;
  // Node lists only interfaces that are up; docker0 is down while no container uses it.
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(await run('ip', ['-4', '-o', 'addr', 'show', 'docker0']).catch(() => ''))?.[1];
  if (!address) throw new Error('no docker0 address: is the Docker Engine running?');
  return address;
}

/** `blocked`: domains Pebble refuses by policy (its domainBlocklist): their orders fail with rejectedIdentifier. */
export async function startPebble(port: number, options: { blocked?: string[] } = {}): Promise<Pebble> {
  const binary = (await run('bash', [join(dirname(fileURLToPath(import.meta.url)), '../../scripts/services/pebble.sh')])).trim();
  const dir = await mkdtemp(join(tmpdir(), 'sw-pebble-'));
  const ip = await docker0Address();
  const f = (name: string) => join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=slipway test pebble CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key.pem'), '-out', f('cert.csr'), '-subj', `/CN=${ip}`]);
  await writeFile(f('ext.cnf'), `subjectAltName=IP:${ip},IP:127.0.0.1\n`);
  await run('openssl', ['x509', '-req', '-in', f('cert.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('cert.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
  const config = { pebble: { listenAddress: `${ip}:${port}`, managementListenAddress: `${ip}:${port + 1}`, certificate: f('cert.pem'), privateKey: f('key.pem'), httpPort: 5002, tlsPort: 5001, ocspResponderURL: '', externalAccountBindingRequired: false, domainBlocklist: options.blocked ?? [] } };
  await writeFile(f('pebble.json'), JSON.stringify(config));
  const child: ChildProcess = spawn(binary, ['-config', f('pebble.json')], { env: { ...process.env, PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_WFE_NONCEREJECT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const ca = await readFile(f('ca.pem'), 'utf8');
  const get = (url: string): Promise<string> =>
    new Promise((resolve, reject) => {
      https
        .get(url, { ca }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  const stop = async () => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let issuing = '';
    for (let attempt = 0; attempt < 100 && !issuing; attempt++) {
      try {
        issuing = await get(`https://${ip}:${port + 1}/roots/0`);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    if (!issuing) throw new Error(`pebble did not start: ${output.slice(-500)}`);
    return { directory: `https://${ip}:${port}/dir`, roots: `${ca}\n${issuing}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
