import {
  DomainError,
  codeSource,
  decidePreview,
  errorMessage,
  isGitSource,
  isJobSource,
  previewEnvironmentName,
  type Environment,
  type PreviewRecord,
  type Project,
  type PullRequestEvent,
  type Service,
  type ServiceSource,
} from '../../domain/index.js';
import { normalizeRepositoryUrl } from '../../build/git-remote.js';
import type { ApiDeps } from '../context.js';
import { cloneEnvironment } from '../environment-clone.js';
import { previewsProblem } from '../project-previews.js';
import type { PullRequestDelivery } from './pull-request-event.js';
import type { Provider } from './push-event.js';
import { auditWebhookAct } from './webhook-audit.js';

/**
 * Preview environments (docs/teams.md#preview-environments): a verified pull request event acted
 * on for a project. What it does is the domain's decision (previews.ts) against what was last
 * handled for that pull request; the record is written (compare-and-set) before acting, so a
 * delivery handled twice at once, here or in another process, acts once. Each act is audited
 * under the token name `webhook`.
 */

export interface PreviewOutcome {
  projectId: string;
  number: number;
  environmentId: string | null;
  did: 'created' | 'deployed' | 'deleted' | 'nothing';
  reason?: string;
  deploymentIds: string[];
}

/** One pull request of one project at a time in this process (other processes: the compare-and-set). */
const inFlight = new Map<string, Promise<unknown>>();

async function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = inFlight.get(key) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(work);
  inFlight.set(key, mine);
  try {
    return await mine;
  } finally {
    if (inFlight.get(key) === mine) inFlight.delete(key);
  }
}

export interface PreviewRequest {
  deps: ApiDeps;
  provider: Provider;
  /** The webhook's path, for the audit log. */
  path: string;
  delivery: PullRequestDelivery;
}

export function handlePullRequest(request: PreviewRequest, projectId: string): Promise<PreviewOutcome> {
  return oneAtATime(`${projectId}:${request.delivery.event.number}`, () => handleForProject(request, projectId));
}

async function handleForProject(request: PreviewRequest, projectId: string): Promise<PreviewOutcome> {
  const { store } = request.deps;
  const event = request.delivery.event;
  const nothing = (reason: string): PreviewOutcome => ({ projectId, number: event.number, environmentId: null, did: 'nothing', reason, deploymentIds: [] });
  const project = await store.getProject(projectId);
  if (!project?.previews) return nothing('the project has no preview environments');
  const record = await store.getPreviewRecord(projectId, event.number);
  const environment = record?.environmentId ? await store.getEnvironment(record.environmentId) : undefined;
  // Turned off: no new preview, no deploy; a closed pull request still takes its preview away.
  if (!project.previews.enabled && event.action !== 'close') return nothing('preview environments are turned off for this project');
  const decision = decidePreview(record, event, environment !== undefined);
  if (decision.act === 'none') {
    if (decision.state !== null) await save(request, project, record, { state: decision.state, environmentId: environment?.id ?? null, message: null });
    return { ...nothing(decision.reason), environmentId: environment?.id ?? null };
  }
  if (decision.act === 'create') return create(request, project, record);
  // The record is written first: a second delivery handled meanwhile finds it and does not act again.
  const env = environment!;
  await save(request, project, record, { state: decision.state, environmentId: env.id, message: null });
  const deploymentIds = decision.act === 'deploy' ? await deployHead(request, env) : [await deleteEnvironment(request, env)];
  await audit(request, project.id, decision.act === 'deploy' ? 'preview.deploy' : 'preview.delete', env.id, 202);
  return { projectId, number: event.number, environmentId: env.id, did: decision.act === 'deploy' ? 'deployed' : 'deleted', deploymentIds };
}

/** Clones the blueprint into `pr-<number>`, points it at the head, deploys it. */
async function create(request: PreviewRequest, project: Project, record: PreviewRecord | undefined): Promise<PreviewOutcome> {
  const { store, controlPlane, buildRegistry } = request.deps;
  const event = request.delivery.event;
  const problem = await previewsProblem(store, project);
  if (problem !== null) {
    await save(request, project, record, { state: 'open', environmentId: null, message: problem });
    await audit(request, project.id, 'preview.create', null, 409);
    throw new DomainError('CONFLICT', `pull request #${event.number}: ${problem}`);
  }
  const revision = await save(request, project, record, { state: 'open', environmentId: null, message: null });
  const blueprint = (await store.getEnvironment(project.previews!.blueprintEnvironmentId))!;
  let clone: Environment;
  try {
    clone = await cloneEnvironment(store, blueprint, { name: previewEnvironmentName(event.number) }, {
      managedDatabases: controlPlane.managedDatabasesConfigured(),
      ...(buildRegistry !== undefined ? { buildRegistry } : {}),
    });
  } catch (error) {
    await store.savePreviewRecord({ ...recordOf(project.id, event, 'open', null), message: `the preview could not be created: ${errorMessage(error)}` }, revision);
    await audit(request, project.id, 'preview.create', null, 409);
    throw error;
  }
  await store.setEnvironmentPreview(clone.id, { number: event.number, branch: event.branch, url: event.url });
  await pointAtHead(request, clone);
  await store.savePreviewRecord(recordOf(project.id, event, 'open', clone.id), revision);
  // A blueprint without services gives an empty preview: nothing to deploy.
  const deploymentIds =
    (await store.listServices(clone.id)).length === 0
      ? []
      : [(await controlPlane.submit({ environmentId: clone.id, action: 'DEPLOY', origin: 'GIT', triggeredBy: `${request.provider} pull request #${event.number}`, queue: true })).deploymentId];
  await audit(request, project.id, 'preview.create', clone.id, 202);
  return { projectId: project.id, number: event.number, environmentId: clone.id, did: 'created', deploymentIds };
}

function recordOf(projectId: string, event: PullRequestEvent, state: 'open' | 'closed', environmentId: string | null): Omit<PreviewRecord, 'revision'> {
  return {
    projectId,
    number: event.number,
    environmentId,
    branch: event.branch,
    url: event.url,
    headSha: event.headSha,
    state,
    action: event.action,
    eventAt: event.updatedAt,
    message: null,
  };
}

/** Writes the record of this event over the one read; the revision written. CONFLICT when another delivery wrote first. */
async function save(
  request: PreviewRequest,
  project: Project,
  read: PreviewRecord | undefined,
  fields: { state: 'open' | 'closed'; environmentId: string | null; message: string | null },
): Promise<number> {
  const event = request.delivery.event;
  const written = await request.deps.store.savePreviewRecord({ ...recordOf(project.id, event, fields.state, fields.environmentId), message: fields.message }, read?.revision ?? null);
  if (!written) throw new DomainError('CONFLICT', `another delivery of pull request #${event.number} was handled at the same time: send this one again`);
  return (read?.revision ?? 0) + 1;
}

/** The git services following the pull request's base repository. */
function followingBase(request: PreviewRequest, services: readonly Service[]): Service[] {
  const wanted = new Set(request.delivery.baseRepositoryUrls.map(normalizeRepositoryUrl).filter((u): u is string => u !== null));
  return services.filter((service) => {
    const source = codeSource(service);
    if (service.status === 'DELETED' || !source || !isGitSource(source)) return false;
    const url = normalizeRepositoryUrl(source.git.url);
    return url !== null && wanted.has(url);
  });
}

/** The clone's services following the base repository now follow the head branch, pinned to the head commit. */
async function pointAtHead(request: PreviewRequest, clone: Environment): Promise<void> {
  const { store } = request.deps;
  const event = request.delivery.event;
  for (const service of followingBase(request, await store.listServices(clone.id))) {
    await store.updateService(service.id, { source: onBranch(service.source, event.branch) });
    await store.setTargetVersion(service.id, event.headSha);
  }
}

function onBranch(source: ServiceSource, branch: string): ServiceSource {
  if (isJobSource(source)) {
    const inner = source.source;
    return { ...source, source: isGitSource(inner) ? { git: { ...inner.git, branch } } : inner };
  }
  return isGitSource(source) ? { git: { ...source.git, branch } } : source;
}

/** Deploy other version of the new head on each service following the base repository. */
async function deployHead(request: PreviewRequest, environment: Environment): Promise<string[]> {
  const event = request.delivery.event;
  const ids: string[] = [];
  for (const service of followingBase(request, await request.deps.store.listServices(environment.id))) {
    const result = await request.deps.controlPlane.submit({
      environmentId: environment.id,
      action: 'DEPLOY_VERSION',
      serviceId: service.id,
      version: event.headSha,
      origin: 'GIT',
      triggeredBy: `${request.provider} pull request #${event.number}`,
      queue: true,
    });
    ids.push(result.deploymentId);
  }
  return ids;
}

/** Delete of the whole environment with its data (volumes): it goes once every service is deleted. */
async function deleteEnvironment(request: PreviewRequest, environment: Environment): Promise<string> {
  const event = request.delivery.event;
  const result = await request.deps.controlPlane.submit({
    environmentId: environment.id,
    action: 'DELETE',
    keepData: false,
    origin: 'GIT',
    triggeredBy: `${request.provider} pull request #${event.number}`,
    queue: true,
  });
  return result.deploymentId;
}

function audit(request: PreviewRequest, projectId: string, action: string, environmentId: string | null, statusCode: number): Promise<void> {
  return auditWebhookAct(request.deps.store, {
    projectId,
    action,
    resourceType: 'environment',
    resourceId: environmentId,
    fields: ['pullRequest', 'headCommit'],
    path: request.path,
    statusCode,
  });
}
