import type Docker from 'dockerode';
import type { InstanceDetail, InstancePhase } from '../runtime.js';
import { inspectOrNull, listInstances } from './instances.js';
import { exitCodeBeforeRestart } from './last-exit-code.js';
import type { InstanceMonitor } from './instance-monitor.js';
import { JOB_LABEL } from './job-run.js';
import { LABEL, readInstanceLabels } from './names-and-labels.js';

/** Docker's "never" for FinishedAt. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * The containers a service's observation covers: its instances, then the runs of a job going
 * on (one-off containers labelled with the job's service, see job-run.ts).
 */
export async function observedContainers(docker: Docker, serviceId: string): Promise<Docker.ContainerInfo[]> {
  const [instances, runs] = await Promise.all([
    listInstances(docker, serviceId),
    docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`, `${JOB_LABEL.service}=${serviceId}`] } }),
  ]);
  return [...instances, ...runs.sort((a, b) => a.Created - b.Created)];
}

function phaseOf(state: Docker.ContainerInspectInfo['State']): InstancePhase {
  if (state.Restarting) return 'RESTARTING';
  if (state.Running) return 'RUNNING';
  switch (state.Status) {
    case 'created':
      return 'STARTING';
    case 'removing':
      return 'TERMINATING';
    case 'exited':
    case 'dead':
      return 'EXITED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * Each container of the service from its inspect: readiness as the monitor keeps it (a job
 * run is ready while it runs), restarts counting the monitor's liveness restarts.
 */
export async function instanceDetails(docker: Docker, monitor: InstanceMonitor, serviceId: string, node: string | null): Promise<InstanceDetail[]> {
  const containers = await observedContainers(docker, serviceId);
  const infos = (await Promise.all(containers.map((c) => inspectOrNull(docker, c.Id)))).filter((i): i is Docker.ContainerInspectInfo => i !== null);
  // A container the engine restarted shows the new run's ExitCode (0): the failed run's is in the events.
  const exitCodes = await Promise.all(
    infos.map((info) => (info.RestartCount > 0 && info.State.Running ? exitCodeBeforeRestart(docker, info.Id, info.RestartCount) : Promise.resolve(info.State.ExitCode))),
  );
  return infos.map((info, index) => {
    const tracked = monitor.get(info.Id);
    const running = info.State.Running && !info.State.Restarting;
    const isRun = readInstanceLabels(info.Config.Labels) === null;
    const hasExited = info.RestartCount > 0 || (!running && info.State.FinishedAt !== ZERO_TIME && info.State.FinishedAt !== '');
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      version: info.Config.Labels?.[LABEL.version] ?? null,
      ready: running && (isRun || tracked?.ready === true),
      state: phaseOf(info.State),
      restarts: info.RestartCount + (tracked?.livenessRestarts ?? 0),
      exitCode: hasExited ? exitCodes[index]! : null,
      oomKilled: info.State.OOMKilled === true,
      startedAt: info.State.StartedAt && info.State.StartedAt !== ZERO_TIME ? info.State.StartedAt : null,
      node,
    };
  });
}
