import type { Command } from 'commander';
import type {
  ActionAvailabilityViewT,
  DeploymentDetailViewT,
  DeploymentViewT,
  EnvironmentStatusViewT,
  EnvironmentViewT,
  LogLineViewT,
  ProjectViewT,
  QueueViewT,
  ServiceViewT,
  VersionsViewT,
} from '../../api/schemas/views.js';
import { ApiError } from '../api-client.js';
import { expectAddress } from '../address.js';
import { CliError, EXIT } from '../cli-error.js';
import { duration, paint, printJson, relativeTime, status, table, type Out } from '../output.js';
import { logLine, serviceNames } from '../progress.js';
import { resolveAddress } from '../resolve.js';
import { RuntimeLogPrinter } from '../runtime-logs.js';
import type { Session } from '../session.js';
import { watchDeployment } from '../watch.js';

/** The read commands: lists, one resource, status, history, queue, versions, actions, deployments. */

interface JsonOpt {
  json?: boolean;
}

function print(out: Out, lines: string[]): void {
  for (const line of lines) out.line(line);
}

function running(r: { status?: string } | string | null | undefined): string {
  if (!r) return '-';
  return typeof r === 'string' ? r : (r.status ?? '-');
}

function sourceText(s: Pick<ServiceViewT, 'type' | 'source'>): string {
  const src = s.source as Record<string, unknown>;
  const image = (i: unknown) => {
    const ref = i as { name: string; tag: string };
    return `${ref.name}:${ref.tag}`;
  };
  if (src.git) {
    const git = src.git as { url: string; branch: string };
    return `${git.url}#${git.branch}`;
  }
  if (src.image) return image(src.image);
  if (src.engine) return `${String(src.engine)} ${String(src.version)}${src.mode === 'managed' ? ' (managed)' : ''}`;
  if (src.jobType) return `${String(src.jobType)} job${src.schedule ? ` ${String(src.schedule)}` : ''}`;
  return '-';
}

export function serviceRows(out: Out, services: readonly ServiceViewT[]): string[] {
  return table(
    ['name', 'type', 'status', 'running', 'version', 'source', 'id'],
    services.map((s) => [s.name, s.type, status(out, s.state), status(out, running(s.runningState)), s.deployedVersion ?? '-', sourceText(s), s.id]),
  );
}

function deploymentRows(out: Out, items: readonly DeploymentViewT[]): string[] {
  return table(
    ['id', 'action', 'status', 'origin', 'by', 'created', 'took'],
    items.map((d) => [
      d.id,
      d.action,
      status(out, d.status),
      d.origin,
      d.triggeredBy,
      relativeTime(d.createdAt),
      d.endedAt && d.startedAt ? duration(Date.parse(d.endedAt) - Date.parse(d.startedAt)) : '-',
    ]),
  );
}

export function readCommands(program: Command, session: Session): void {
  const { out } = session;

  program
    .command('projects')
    .description('list the projects')
    .option('--json', 'print the API\'s JSON')
    .action(async (opts: JsonOpt) => {
      const api = await session.client();
      const { items } = await api.get<{ items: ProjectViewT[] }>('/projects');
      if (opts.json) return printJson(out, { items });
      print(out, table(['name', 'created', 'id'], items.map((p) => [p.name, relativeTime(p.createdAt), p.id])));
    });

  program
    .command('envs')
    .description('list the environments of a project')
    .argument('<project>', 'PROJECT (or its id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const project = await resolveAddress(api, expectAddress(target, ['project'], 'PROJECT'), ['project']);
      const { items } = await api.get<{ items: EnvironmentViewT[] }>(`/projects/${project.id}/environments`);
      if (opts.json) return printJson(out, { items });
      print(out, table(['name', 'runtime', 'status', 'running', 'id'], items.map((e) => [e.name, e.runtime, status(out, e.state), status(out, e.runningState), e.id])));
    });

  program
    .command('services')
    .description('list the services of an environment')
    .argument('<env>', 'PROJECT/ENV (or its id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const env = await resolveAddress(api, expectAddress(target, ['environment'], 'the environment'), ['environment']);
      const items = (await api.get<{ items: ServiceViewT[] }>(`/environments/${env.id}/services`)).items.filter((s) => s.state !== 'DELETED');
      if (opts.json) return printJson(out, { items });
      print(out, serviceRows(out, items));
    });

  program
    .command('get')
    .description('one project, environment or service, as the API shows it')
    .argument('<target>', 'PROJECT, PROJECT/ENV, PROJECT/ENV/SERVICE or an id')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const r = await resolveAddress(api, expectAddress(target, ['project', 'environment', 'service'], 'the target'), ['service', 'environment', 'project']);
      const path = { project: '/projects/', environment: '/environments/', service: '/services/' }[r.kind] + r.id;
      const found = await api.get<Record<string, unknown>>(path);
      if (opts.json) return printJson(out, found);
      const rows = Object.entries(found)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, typeof v === 'string' ? (/state$/i.test(k) ? status(out, v) : v) : JSON.stringify(v)]);
      print(out, table(['field', 'value'], rows));
    });

  program
    .command('status')
    .description('deployment and running status of an environment (each service) or of a service')
    .argument('<target>', 'PROJECT/ENV or PROJECT/ENV/SERVICE (or an id)')
    .option('--watch', 'first follow the request running on the environment to its end')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt & { watch?: boolean }) => {
      const api = await session.client();
      const r = await resolveAddress(api, expectAddress(target, ['environment', 'service'], 'the target'), ['service', 'environment']);
      if (opts.watch && r.environmentId) {
        const queue = await api.get<QueueViewT>(`/environments/${r.environmentId}/queue`);
        if (queue.running) {
          const envPath = r.kind === 'service' ? r.path.split('/').slice(0, 2).join('/') : r.path;
          const code = await watchDeployment(api, { deploymentId: queue.running.id, environmentId: r.environmentId, environmentPath: envPath }, out);
          process.exitCode = code;
          out.line();
        }
      }
      if (r.kind === 'service') {
        const s = await api.get<ServiceViewT>(`/services/${r.id}`);
        if (opts.json) return printJson(out, s);
        print(out, serviceRows(out, [s]));
        if (s.statusMessage) out.line(`message: ${s.statusMessage}`);
        if (s.pendingChanges) out.line(`pending changes (a redeploy applies them): ${s.pendingFields.join(', ')}`);
        for (const e of s.endpoints) out.line(`endpoint: ${e.url}`);
        return;
      }
      const st = await api.get<EnvironmentStatusViewT>(`/environments/${r.id}/status`);
      if (opts.json) return printJson(out, st);
      out.line(`${r.path}: ${status(out, st.state)} (running: ${status(out, st.runningState)})`);
      print(
        out,
        table(
          ['service', 'type', 'status', 'running', 'version', 'pending'],
          st.services
            .filter((s) => s.state !== 'DELETED')
            .map((s) => [s.name, s.type, status(out, s.state), status(out, running(s.runningState)), s.deployedVersion ?? '-', s.pendingChanges ? s.pendingFields.join(',') : '-']),
        ),
      );
    });

  program
    .command('history')
    .description('deployments of an environment or a service, newest first')
    .argument('<target>', 'PROJECT/ENV or PROJECT/ENV/SERVICE (or an id)')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt & { limit: string }) => {
      const api = await session.client();
      const r = await resolveAddress(api, expectAddress(target, ['environment', 'service'], 'the target'), ['service', 'environment']);
      const base = r.kind === 'service' ? `/services/${r.id}` : `/environments/${r.id}`;
      const page = await api.get<{ items: DeploymentViewT[]; nextCursor?: string }>(`${base}/deployments`, { limit: opts.limit });
      if (opts.json) return printJson(out, page);
      if (page.items.length === 0) return out.line('no deployment yet');
      print(out, deploymentRows(out, page.items));
    });

  program
    .command('queue')
    .description('the request running on an environment and the ones waiting')
    .argument('<env>', 'PROJECT/ENV (or its id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const env = await resolveAddress(api, expectAddress(target, ['environment'], 'the environment'), ['environment']);
      const queue = await api.get<QueueViewT>(`/environments/${env.id}/queue`);
      if (opts.json) return printJson(out, queue);
      out.line(queue.running ? `running: ${queue.running.action} ${queue.running.id} (${relativeTime(queue.running.startedAt)})` : 'running: nothing');
      if (queue.items.length === 0) return out.line('waiting: nothing');
      print(out, table(['#', 'id', 'action', 'by', 'queued'], queue.items.map((i) => [String(i.position), i.id, i.action, i.triggeredBy, relativeTime(i.createdAt)])));
    });

  program
    .command('versions')
    .description('versions a service can deploy: recent commits of its branch, or its image\'s tags')
    .argument('<service>', 'PROJECT/ENV/SERVICE (or its id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const s = await resolveAddress(api, expectAddress(target, ['service'], 'the service'), ['service']);
      const versions = await api.get<VersionsViewT>(`/services/${s.id}/versions`);
      if (opts.json) return printJson(out, versions);
      const items = versions.items as Array<{ sha?: string; message?: string; author?: string; date?: string; tag?: string }>;
      if (items.length === 0) return out.line('no version listed');
      if (items[0]?.sha !== undefined) {
        print(out, table(['commit', 'date', 'author', 'message'], items.map((c) => [c.sha!.slice(0, 12), relativeTime(c.date), c.author ?? '', (c.message ?? '').split('\n')[0] ?? ''])));
      } else {
        for (const i of items) out.line(i.tag ?? '');
      }
    });

  program
    .command('actions')
    .description('each action on an environment or a service: available, or why not')
    .argument('<target>', 'PROJECT/ENV or PROJECT/ENV/SERVICE (or an id)')
    .option('--json', 'print the API\'s JSON')
    .action(async (target: string, opts: JsonOpt) => {
      const api = await session.client();
      const r = await resolveAddress(api, expectAddress(target, ['environment', 'service'], 'the target'), ['service', 'environment']);
      const base = r.kind === 'service' ? `/services/${r.id}` : `/environments/${r.id}`;
      const actions = await api.get<ActionAvailabilityViewT[]>(`${base}/actions`);
      if (opts.json) return printJson(out, actions);
      print(out, table(['action', 'available', 'why not'], actions.map((a) => [a.action, a.available ? paint(out, 'green', 'yes') : paint(out, 'red', 'no'), a.reason ?? ''])));
    });

  program
    .command('deployment')
    .description('one deployment: its stages, services and steps; --logs its log')
    .argument('<id>', 'the deployment id')
    .option('--logs', 'print its log lines')
    .option('-f, --follow', 'follow it to its end (live steps and log lines)')
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, opts: JsonOpt & { logs?: boolean; follow?: boolean }) => {
      const api = await session.client();
      expectAddress(id, [], 'the deployment');
      const detail = await api.get<DeploymentDetailViewT>(`/deployments/${id}`);
      if (opts.follow) {
        process.exitCode = await watchDeployment(api, { deploymentId: id, environmentId: detail.environmentId, environmentPath: detail.environmentId }, out);
        return;
      }
      const logs = opts.logs ? (await api.get<{ items: LogLineViewT[] }>(`/deployments/${id}/logs`, { limit: 10000 })).items : [];
      if (opts.json) return printJson(out, opts.logs ? { ...detail, logs } : detail);
      out.line(`${detail.action} ${status(out, detail.status)} by ${detail.triggeredBy} (${detail.origin}), ${relativeTime(detail.createdAt)}${detail.message ? `: ${detail.message}` : ''}`);
      for (const stage of detail.stages) {
        out.line(`stage ${stage.order} ${stage.name}: ${status(out, stage.status)}`);
        for (const s of stage.services) {
          out.line(`  ${s.name} ${status(out, s.status)}${s.version ? ` ${s.version}` : ''}`);
          for (const step of s.steps) out.line(`    ${step.name} ${status(out, step.status)} ${duration(step.durationMs)}${step.message ? `  ${step.message}` : ''}`);
        }
      }
      if (opts.logs) {
        const names = serviceNames(detail);
        for (const line of logs) out.line(logLine(out, line, names));
      }
    });

  program
    .command('logs')
    .description('the running service\'s logs, merged by time across its instances')
    .argument('<service>', 'PROJECT/ENV/SERVICE (or its id)')
    .option('-f, --follow', 'keep printing new lines')
    .option('--since <duration>', 'e.g. 10m, or an ISO time')
    .option('--tail <n>', 'the last n lines')
    .option('--instance <name>', 'one instance only')
    .option('--json', 'the API\'s NDJSON lines, as they come')
    .action(async (target: string, opts: JsonOpt & { follow?: boolean; since?: string; tail?: string; instance?: string }) => {
      const api = await session.client();
      const s = await resolveAddress(api, expectAddress(target, ['service'], 'the service'), ['service']);
      try {
        const response = await api.raw({
          method: 'GET',
          path: `/services/${s.id}/logs`,
          query: { follow: opts.follow, since: opts.since, tail: opts.tail, instance: opts.instance },
        });
        const printer = new RuntimeLogPrinter(session.out, opts.json ?? false);
        const reader = response.body?.getReader();
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          printer.write(chunk.value);
        }
        printer.end();
      } catch (error) {
        // A server without the running-logs API routes nothing there.
        if (error instanceof ApiError && (error.status === 404 || error.status === 405) && /no route|not allowed/.test(error.message)) {
          throw new CliError('the running service\'s logs are not available on this server (its API has no /services/{id}/logs); slipway deployment ID --logs shows deployment logs', EXIT.FAILED, 'NOT_AVAILABLE');
        }
        throw error;
      }
    });
}
