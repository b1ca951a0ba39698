import type { Command } from 'commander';
import type { EnvironmentViewT, ServiceViewT } from '../../api/schemas/views.js';
import { expectAddress } from '../address.js';
import { usageError } from '../cli-error.js';
import { printJson } from '../output.js';
import { resolveAddress } from '../resolve.js';
import type { Session } from '../session.js';

/** `create project|env|service`: the API's creations (a whole environment is better written as a file: apply). */

/** `name:tag` (the registry host may carry a port: the tag is after the last `/`). */
export function parseImageRef(ref: string): { name: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash && colon > 0) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}

/** `KEY=value` pairs from `--env`. */
export function parseEnvPairs(pairs: readonly string[]): Array<{ key: string; value: string }> {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--env ${pair}: expected KEY=value`);
    return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function createCommands(program: Command, session: Session): void {
  const create = program.command('create').description('create a project, an environment or a service');

  create
    .command('project')
    .description('create a project')
    .argument('<name>', 'a DNS label')
    .option('--json', 'print the API\'s answer')
    .action(async (name: string, opts: { json?: boolean }) => {
      const api = await session.client();
      const project = await api.send<{ id: string; name: string; webhookSecret: string }>({ method: 'POST', path: '/projects', body: { name } });
      if (opts.json) return printJson(session.out, project);
      session.out.line(`created project ${project.name} (${project.id})`);
      session.out.line(`git webhook secret (shown this once): ${project.webhookSecret}`);
    });

  create
    .command('env')
    .description('create an environment in a project')
    .argument('<path>', 'PROJECT/NAME')
    .option('--runtime <runtime>', 'docker or kubernetes', 'docker')
    .option('--json', 'print the API\'s answer')
    .action(async (path: string, opts: { runtime: string; json?: boolean }) => {
      const address = expectAddress(path, ['environment'], 'the new environment');
      if (address.kind !== 'environment') throw usageError('create env takes PROJECT/NAME');
      if (opts.runtime !== 'docker' && opts.runtime !== 'kubernetes') throw usageError(`--runtime is docker or kubernetes, not ${opts.runtime}`);
      const api = await session.client();
      const project = await resolveAddress(api, { kind: 'project', project: address.project }, ['project']);
      const env = await api.send<EnvironmentViewT>({ method: 'POST', path: `/projects/${project.id}/environments`, body: { name: address.environment, runtime: opts.runtime } });
      if (opts.json) return printJson(session.out, env);
      session.out.line(`created environment ${address.project}/${env.name} on ${env.runtime} (${env.id})`);
    });

  create
    .command('service')
    .description('create a container service from an image (other kinds: write an environment file, slipway apply)')
    .argument('<path>', 'PROJECT/ENV/NAME')
    .requiredOption('--image <ref>', 'the image, name:tag')
    .option('--port <port>', 'the port it listens on (public over http)')
    .option('--private', 'the port is reachable by the other services only')
    .option('--instances <n>', 'how many instances')
    .option('--env <KEY=value>', 'an environment variable (repeatable)', collect, [])
    .option('--json', 'print the API\'s answer')
    .action(async (path: string, opts: { image: string; port?: string; private?: boolean; instances?: string; env: string[]; json?: boolean }) => {
      const address = expectAddress(path, ['service'], 'the new service');
      if (address.kind !== 'service') throw usageError('create service takes PROJECT/ENV/NAME');
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw usageError(`--port ${opts.port} is not a port`);
      const instances = opts.instances === undefined ? undefined : Number(opts.instances);
      if (instances !== undefined && !(Number.isInteger(instances) && instances >= 1)) throw usageError(`--instances ${opts.instances} is not a count`);
      const api = await session.client();
      const env = await resolveAddress(api, { kind: 'environment', project: address.project, environment: address.environment }, ['environment']);
      const body = {
        name: address.service,
        type: 'container',
        source: { image: parseImageRef(opts.image) },
        settings: {
          ...(port !== undefined ? { ports: [{ containerPort: port, public: !opts.private, protocol: 'http' }] } : {}),
          ...(instances !== undefined ? { instances } : {}),
          ...(opts.env.length > 0 ? { env: parseEnvPairs(opts.env) } : {}),
        },
      };
      const service = await api.send<ServiceViewT>({ method: 'POST', path: `/environments/${env.id}/services`, body });
      if (opts.json) return printJson(session.out, service);
      session.out.line(`created service ${path} (${service.id}); deploy it: slipway deploy ${path} --watch`);
    });
}
