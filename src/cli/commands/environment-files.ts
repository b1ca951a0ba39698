import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { ApplyResultViewT } from '../../api/schemas/environment-file.js';
import type { ActionAvailabilityViewT } from '../../api/schemas/views.js';
import { ApiError, type ApiClient } from '../api-client.js';
import { expectAddress } from '../address.js';
import { CliError, EXIT } from '../cli-error.js';
import { fileErrorLine, readEnvironmentFile } from '../env-file.js';
import { printJson, type Out } from '../output.js';
import { planLines, planSummary, type PlanChange } from '../plan-output.js';
import { resolveAddress } from '../resolve.js';
import type { Session } from '../session.js';
import { actionRequest } from '../action-request.js';
import { runAction } from './actions.js';

/** `apply -f FILE`, `export PROJECT/ENV`, `schema`: environments as code. */

export interface ApplyFlags {
  dryRun?: boolean;
  prune?: boolean;
  deploy?: boolean;
  watch?: boolean;
  json?: boolean;
}

async function readText(path: string): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.USAGE);
  }
}

/** Deploy for a never-deployed environment, else Redeploy (which deploys every service, new ones included). */
async function deployAction(api: ApiClient, environmentId: string): Promise<'deploy' | 'redeploy'> {
  const actions = await api.get<ActionAvailabilityViewT[]>(`/environments/${environmentId}/actions`);
  return actions.find((a) => a.action === 'DEPLOY')?.available ? 'deploy' : 'redeploy';
}

/** Sends a document (already read) to POST /apply, prints the plan, and deploys when asked. */
export async function applyDocument(
  api: ApiClient,
  out: Out,
  document: unknown,
  name: string,
  lineOf: ((field: string) => number | null) | null,
  flags: ApplyFlags,
): Promise<ApplyResultViewT> {
  let result: ApplyResultViewT;
  try {
    result = await api.send<ApplyResultViewT>({ method: 'POST', path: '/apply', query: { dryRun: flags.dryRun ? true : undefined, prune: flags.prune ? true : undefined }, body: document });
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && error.fieldErrors.length > 0) {
      const lines = error.fieldErrors.map((f) => (lineOf ? fileErrorLine({ lineOf }, name, f) : `${name}: ${f.field.replace(/^body\/?/, '')}: ${f.message}`));
      throw new CliError(`${name} is not valid; nothing was applied`, EXIT.USAGE, 'VALIDATION_FAILED', lines);
    }
    throw error;
  }
  const doc = document as { project?: string; name?: string };
  if (flags.json) {
    // stdout holds one JSON object: the plan, and the deployment's 202 answer with --deploy.
    const deployment = flags.deploy && !result.dryRun && result.environmentId ? await api.send(actionRequest(await deployAction(api, result.environmentId), { kind: 'environment', id: result.environmentId })) : undefined;
    printJson(out, deployment ? { ...result, deployment } : result);
    return result;
  }
  // A service's and a variable's names are within the environment, the environment's within the project.
  const qualify = (c: PlanChange) => (c.kind === 'service' || c.kind === 'variable' ? `${doc.project}/${doc.name}/${c.name}` : c.kind === 'environment' ? `${doc.project}/${c.name}` : c.name);
  const qualified = result.changes.map((c) => ({ ...c, name: qualify(c) }));
  for (const line of planLines(out, qualified)) out.line(line);
  out.line(planSummary(result.changes, result.dryRun));
  for (const d of result.deletions) out.line(`deleting ${d.service}: deployment ${d.deploymentId}`);
  if (flags.deploy && !result.dryRun && result.environmentId) {
    // A new environment has never been deployed (Deploy); one that has takes Redeploy, which deploys every service.
    const deploy = await deployAction(api, result.environmentId);
    const target = { kind: 'environment' as const, id: result.environmentId, path: `${doc.project}/${doc.name}`, environmentId: result.environmentId };
    await runAction(api, out, deploy, target, flags.watch ? { watch: true } : {});
  }
  return result;
}

export function environmentFileCommands(program: Command, session: Session): void {
  program
    .command('apply')
    .description('create or update an environment from a file (YAML or JSON); prints the plan as a diff')
    .requiredOption('-f, --file <file>', 'the environment file (- reads stdin)')
    .option('--dry-run', 'print the plan, change nothing')
    .option('--prune', 'delete the services the file does not name')
    .option('--deploy', 'then deploy the environment (Deploy, or Redeploy once it was deployed)')
    .option('--watch', 'with --deploy: follow the deployment to its end')
    .option('--json', 'print the API\'s answer')
    .action(async (opts: ApplyFlags & { file: string }) => {
      if (opts.watch && !opts.deploy) throw new CliError('--watch follows the deployment of --deploy: add --deploy', EXIT.USAGE);
      if (opts.watch && opts.json) throw new CliError('--json prints one JSON object; --watch prints progress lines: choose one', EXIT.USAGE);
      const name = opts.file === '-' ? '(stdin)' : opts.file;
      const file = readEnvironmentFile(await readText(opts.file), name, process.env);
      const api = await session.client();
      await applyDocument(api, session.out, file.value, name, (f) => file.lineOf(f), opts);
    });

  program
    .command('export')
    .description('write an environment as a file that apply takes back unchanged (secret values as ${KEY})')
    .argument('<env>', 'PROJECT/ENV (or its id)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--json', 'JSON instead of YAML')
    .action(async (text: string, opts: { output?: string; json?: boolean }) => {
      const api = await session.client();
      const env = await resolveAddress(api, expectAddress(text, ['environment'], 'the environment'), ['environment']);
      const answered = await api.get<Record<string, unknown>>(`/environments/${env.id}/export`);
      // The file reads in the order the documentation shows; anything else after.
      const order = ['apiVersion', 'kind', 'project', 'name', 'runtime', 'settings', 'variables', 'services'];
      const document = Object.fromEntries([...order.filter((k) => k in answered).map((k) => [k, answered[k]]), ...Object.entries(answered).filter(([k]) => !order.includes(k))]);
      const body = opts.json
        ? `${JSON.stringify(document, null, 2)}\n`
        : `# Slipway environment file, exported from ${env.path}. Apply it: slipway apply -f FILE\n# Secret values are \${KEY}: set KEY in the shell that applies it.\n${stringify(document, { lineWidth: 0 })}`;
      if (opts.output) {
        await writeFile(opts.output, body, { mode: 0o644 });
        session.out.error(`wrote ${opts.output}`);
      } else process.stdout.write(body);
    });

  program
    .command('schema')
    .description('print the JSON Schema of environment files (save it for your editor)')
    .action(async () => {
      const api = await session.client();
      printJson(session.out, await api.get('/schemas/environment.json'));
    });
}
