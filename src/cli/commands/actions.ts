import type { Command } from 'commander';
import type { OutdatedServicesViewT } from '../../api/schemas/views.js';
import type { ApiClient } from '../api-client.js';
import { actionRequest, type ActionOptions, type CliAction } from '../action-request.js';
import { expectAddress } from '../address.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import { printJson, type Out } from '../output.js';
import { resolveAddress, type Resolved } from '../resolve.js';
import type { Session } from '../session.js';
import { watchDeployment } from '../watch.js';

/** The actions (deploy, redeploy, stop, restart, cancel, deploy latest, delete: docs/cli.md#commands), each with `--watch`. */

export interface Accepted {
  requestId: string;
  deploymentId: string;
  position: number;
  merged: boolean;
}

function environmentPathOf(target: Resolved): string {
  return target.kind === 'service' ? target.path.split('/').slice(0, 2).join('/') : target.path;
}

function acceptedLine(what: string, target: Resolved, a: Accepted): string {
  const where = a.position === 0 ? 'started' : `waiting in the queue at position ${a.position}`;
  return `${what} ${target.path}: deployment ${a.deploymentId} ${where}${a.merged ? ' (merged into an identical waiting request)' : ''}`;
}

/** Sends the action, prints what the server accepted, and with `watch` follows it (the exit code is its outcome). */
export async function runAction(
  api: ApiClient,
  out: Out,
  action: CliAction,
  target: Resolved,
  options: ActionOptions & { watch?: boolean; json?: boolean },
): Promise<void> {
  const accepted = await api.send<Accepted>(actionRequest(action, target, options));
  if (options.json && !options.watch) return printJson(out, accepted);
  out.line(acceptedLine(action, target, accepted));
  if (!options.watch) return;
  process.exitCode = await watchDeployment(
    api,
    { deploymentId: accepted.deploymentId, environmentId: target.environmentId ?? target.id, environmentPath: environmentPathOf(target) },
    out,
  );
}

interface ActionFlags {
  version?: string;
  queue: boolean;
  watch?: boolean;
  json?: boolean;
  force?: boolean;
  keepData?: boolean;
  yes?: boolean;
}

export function actionCommands(program: Command, session: Session): void {
  const act = (action: CliAction, description: string, configure: (c: Command) => Command = (c) => c) =>
    configure(
      program
        .command(action)
        .description(description)
        .argument('<target>', 'PROJECT/ENV or PROJECT/ENV/SERVICE (or an id)')
        .option('--no-queue', 'refuse (exit 3) instead of waiting when another action runs on the environment')
        .option('--watch', 'follow it to its end; exit 0 on SUCCESS, 1 otherwise')
        .option('--json', 'print the API\'s answer (202) as JSON'),
    ).action(async (text: string, flags: ActionFlags) => {
      const api = await session.client();
      const kinds = action === 'cancel' ? (['environment'] as const) : (['environment', 'service'] as const);
      const target = await resolveAddress(api, expectAddress(text, [...kinds], 'the target'), [...kinds]);
      if (action === 'delete' && !flags.yes) throw usageError(`delete removes ${target.path} and its runtime resources: add --yes to confirm`);
      await runAction(api, session.out, action, target, {
        queue: flags.queue,
        ...(flags.version !== undefined ? { version: flags.version } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(flags.keepData ? { keepData: true } : {}),
        ...(flags.watch ? { watch: true } : {}),
        ...(flags.json ? { json: true } : {}),
      });
    });

  act('deploy', 'deploy an environment or a service (--version: a commit SHA or an image tag, Deploy other version)', (c) =>
    c.option('--version <version>', 'deploy this version of the service'),
  );
  act('redeploy', 'redeploy an environment (every service) or a service');
  act('stop', 'stop an environment or a service (volumes kept)');
  act('restart', 'restart a service with the spec deployed now');
  act('cancel', 'cancel the request running on an environment', (c) => c.option('--force', 'kill a running lifecycle job instead of waiting for it'));
  act('delete', 'delete an environment or a service and its runtime resources', (c) =>
    c.option('--keep-data', 'keep the volumes').option('--yes', 'confirm'),
  );

  program
    .command('deploy-latest')
    .description('deploy the head of their branch for git services (all the outdated ones by default)')
    .argument('<env>', 'PROJECT/ENV (or its id)')
    .argument('[services...]', 'service names (default: every outdated one)')
    .option('--no-queue', 'refuse (exit 3) instead of waiting when another action runs')
    .option('--watch', 'follow it to its end; exit 0 on SUCCESS, 1 otherwise')
    .option('--json', 'print the API\'s answer (202) as JSON')
    .action(async (text: string, names: string[], flags: ActionFlags) => {
      const api = await session.client();
      const env = await resolveAddress(api, expectAddress(text, ['environment'], 'the environment'), ['environment']);
      const outdated = await api.get<OutdatedServicesViewT>(`/environments/${env.id}/outdated-services`);
      for (const u of outdated.unreadable) session.out.error(`${u.name}: ${u.message}`);
      let serviceIds: string[];
      if (names.length === 0) {
        serviceIds = outdated.items.map((i) => i.id);
        if (serviceIds.length === 0) {
          session.out.line('every git service already runs the head of its branch');
          return;
        }
      } else {
        serviceIds = names.map((name) => {
          const found = outdated.items.find((i) => i.name === name);
          if (!found) throw new CliError(`${name} is not an outdated git service of ${env.path}`, EXIT.NOT_FOUND);
          return found.id;
        });
      }
      await runAction(api, session.out, 'deploy-latest', env, {
        queue: flags.queue,
        serviceIds,
        ...(flags.watch ? { watch: true } : {}),
        ...(flags.json ? { json: true } : {}),
      });
    });
}
