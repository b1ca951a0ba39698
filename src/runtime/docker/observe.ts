import type Docker from 'dockerode';
import type { InstanceState, RunningState, RunningStatus } from '../../domain/statuses.js';
import { byInstanceOrder, inspectOrNull, listInstances } from './instances.js';
import { exitCodeBeforeRestart } from './last-exit-code.js';
import type { InstanceMonitor } from './instance-monitor.js';
import { LABEL, readInstanceLabels } from './names-and-labels.js';

/** Docker's "never" for FinishedAt. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's reason for the last exit: killed for memory, the engine's error, else by exit code. */
function exitReason(state: Docker.ContainerInspectInfo['State']): string {
  if (state.OOMKilled) return 'OOMKilled';
  if (state.Error) return state.Error;
  return state.ExitCode === 0 ? 'Completed' : 'Error';
}

/**
 * The running state of a service from what the engine reports now plus the readiness the
 * monitor keeps: RUNNING (all ready), WARNING (some ready), STARTING (none ready yet, none
 * failing), ERROR (none ready and some crashing, exited or no longer passing readiness), STOPPED (no instance), UNKNOWN
 * (the engine did not answer).
 */
export async function observeService(docker: Docker, monitor: InstanceMonitor, serviceId: string): Promise<RunningState> {
  try {
    return await observeContainers(docker, monitor, await listInstances(docker, serviceId));
  } catch {
    return { status: 'UNKNOWN', instances: [] };
  }
}

/**
 * observeService for the given services of one environment, from one list of its containers;
 * throws when the engine does not answer that list.
 */
export async function observeEnvironment(docker: Docker, monitor: InstanceMonitor, environmentId: string, serviceIds: readonly string[]): Promise<Map<string, RunningState>> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`, `${LABEL.environment}=${environmentId}`] } });
  const states = new Map<string, RunningState>();
  for (const serviceId of serviceIds) {
    const own = containers.filter((c) => c.Labels[LABEL.service] === serviceId).sort(byInstanceOrder);
    states.set(serviceId, await observeContainers(docker, monitor, own).catch((): RunningState => ({ status: 'UNKNOWN', instances: [] })));
  }
  return states;
}

/** The running state of one service's containers (a list of the engine's, in instance order). */
async function observeContainers(docker: Docker, monitor: InstanceMonitor, containers: readonly Docker.ContainerInfo[]): Promise<RunningState> {
  const infos = (await Promise.all(containers.map((c) => inspectOrNull(docker, c.Id)))).filter((i): i is Docker.ContainerInspectInfo => i !== null);
  if (infos.length === 0) return { status: 'STOPPED', instances: [] };

  // A container the engine restarted shows the new run's ExitCode (0): the failed run's is in the events.
  const exitCodes = await Promise.all(infos.map((info) => (info.RestartCount > 0 && info.State.Running ? exitCodeBeforeRestart(docker, info.Id, info.RestartCount) : Promise.resolve(info.State.ExitCode))));
  let failing = 0;
  const instances: InstanceState[] = infos.map((info, index) => {
    const running = info.State.Running && !info.State.Restarting;
    const tracked = monitor.get(info.Id);
    const hasExited = info.RestartCount > 0 || (!running && info.State.FinishedAt !== ZERO_TIME && info.State.FinishedAt !== '');
    // Failing: not running, restarted and not ready again, or admitted once and no longer ready.
    // An instance the monitor does not track yet is still starting (a rollout waits for it).
    if (!running || (info.RestartCount > 0 && !tracked?.ready) || (tracked !== undefined && !tracked.ready)) failing++;
    return {
      id: info.Id,
      version: readInstanceLabels(info.Config.Labels)?.version ?? null,
      ready: running && tracked?.ready === true,
      restarts: info.RestartCount + (tracked?.livenessRestarts ?? 0),
      lastExitCode: hasExited ? exitCodes[index]! : null,
      lastExitReason: hasExited ? exitReason({ ...info.State, ExitCode: exitCodes[index] ?? info.State.ExitCode }) : null,
      startedAt: running ? info.State.StartedAt : null,
    };
  });
  const ready = instances.filter((i) => i.ready).length;
  let status: RunningStatus;
  if (ready === instances.length) status = 'RUNNING';
  else if (ready > 0) status = 'WARNING';
  else if (failing > 0) status = 'ERROR';
  else status = 'STARTING';
  return { status, instances };
}
