import type Docker from 'dockerode';
import { RolloutCanceledError, type OperationContext, type RolloutSpec, type ServiceTarget } from '../runtime.js';
import { containerCreateOptions, recreateOptions, startTimeoutSeconds } from './container-spec.js';
import { instanceIp } from './instance-ip.js';
import { admit, createAndStart, inspectOrNull, listInstances, retire, type RuntimeParts } from './instances.js';
import { edgeSlot, readInstanceLabels } from './names-and-labels.js';
import { waitUntilReady } from './wait-ready.js';

/**
 * Deploy and restart on Docker: replace a service's instances by ones running `spec`.
 *
 * Rolling (the default): for i = 1…max(old, new): start new #i, wait until it is ready, admit
 * it to the edge, then drain and remove old #i. Ready instances never drop below what ran
 * before, and at most one extra container exists. Stop-first (every old instance goes, then the
 * new ones start) with storage, because instances share their volumes, and with a public tcp
 * port Docker publishes, because one host port is held by one container.
 *
 * Every old container is inspected before anything is touched, so that on failure or
 * cancellation the new instances are removed and each old instance already removed is
 * recreated exactly (same image id, env, labels, mounts, aliases) and admitted again once ready.
 */
export async function rollout(
  parts: RuntimeParts,
  target: ServiceTarget,
  spec: RolloutSpec,
  ctx: OperationContext,
  /** Public tcp ports Docker publishes on the instances: container port → host port. */
  publishedPorts: ReadonlyMap<number, number> = new Map(),
): Promise<void> {
  const { docker } = parts;
  const old: Docker.ContainerInspectInfo[] = [];
  for (const c of await listInstances(docker, target.serviceId)) {
    const info = await inspectOrNull(docker, c.Id);
    if (info) old.push(info);
  }
  const stopFirstBecause = spec.storage.length > 0 ? 'the service has storage' : publishedPorts.size > 0 ? 'its public tcp port is published on one container' : null;
  const stopFirst = stopFirstBecause !== null;
  const wanted = Math.max(0, spec.instances);
  ctx.log('info', `rolling out ${spec.version}: ${old.length} instance(s) now, ${wanted} wanted${stopFirst ? ` (stop-first: ${stopFirstBecause})` : ''}`);

  // The edge slot the old instance of this index does not hold (docs/edge.md#routing-and-draining).
  const held = new Set(old.map((info) => readInstanceLabels(info.Config.Labels)?.edgeSlot));
  const slotFor = (index: number): string => edgeSlot(target.serviceId, index, held.has(edgeSlot(target.serviceId, index, 'a')) ? 'b' : 'a');
  const created: string[] = [];
  const removed: Docker.ContainerInspectInfo[] = [];
  const startNew = async (index: number, signal: AbortSignal = ctx.signal): Promise<void> => {
    signal.throwIfAborted();
    const id = await createAndStart(docker, containerCreateOptions(target, spec, index, { edgeSlot: slotFor(index), publishedPorts }));
    created.push(id);
    ctx.log('info', `instance ${index + 1} (${spec.version}) started as ${id.slice(0, 12)}; waiting until it is ready`);
    const info = await waitUntilReady(docker, id, {
      environmentId: target.environmentId,
      readiness: spec.healthchecks.readiness,
      startTimeoutSeconds: startTimeoutSeconds(spec),
      describe: `instance ${index + 1} (${spec.version})`,
      signal,
      log: (line) => ctx.log('warn', line),
    });
    admit(parts, info, instanceIp(info, target.environmentId));
    ctx.log('info', `instance ${index + 1} (${spec.version}) is ready`);
  };
  const removeOld = async (info: Docker.ContainerInspectInfo): Promise<void> => {
    ctx.signal.throwIfAborted();
    await retire(parts, info.Id, readInstanceLabels(info.Config.Labels));
    removed.push(info);
    ctx.log('info', `removed old instance ${info.Id.slice(0, 12)} (${readInstanceLabels(info.Config.Labels)?.version ?? 'unknown version'})`);
  };

  try {
    if (stopFirst) {
      for (const info of old) await removeOld(info);
      for (let i = 0; i < wanted; i++) await startNew(i);
    } else if (old.length === 0) {
      // Nothing serves yet: start them all at once; the first failure stops the others' waits.
      const firstFailure = new AbortController();
      const signal = AbortSignal.any([ctx.signal, firstFailure.signal]);
      let failure: unknown = null;
      await Promise.all(
        Array.from({ length: wanted }, (_, i) =>
          startNew(i, signal).catch((error: unknown) => {
            if (failure === null) failure = error;
            firstFailure.abort(error);
          }),
        ),
      );
      if (failure !== null) throw failure;
    } else {
      for (let i = 0; i < Math.max(wanted, old.length); i++) {
        if (i < wanted) await startNew(i);
        if (i < old.length) await removeOld(old[i]!);
      }
    }
  } catch (error) {
    const canceled = ctx.signal.aborted;
    const reason = canceled ? 'canceled' : (error as Error).message;
    ctx.log(canceled ? 'warn' : 'error', `rollout of ${spec.version} ${canceled ? 'canceled' : `failed: ${reason}`}; restoring the previous instances`);
    await rollBack(parts, target, created, removed, stopFirst, ctx);
    if (canceled) throw new RolloutCanceledError(`rollout of ${spec.version} canceled; the previous instances serve again`);
    throw error;
  }
  ctx.log('info', `${spec.version} runs on ${wanted} instance(s)`);
}

/**
 * Removes the new instances and recreates the old ones that were removed. Runs to the end
 * whatever the (probably aborted) operation signal says, each recreated instance bounded by
 * its own start timeout. Without storage the old ones come back first, so capacity only
 * grows while restoring; with storage the new ones must let go of the volumes first.
 */
async function rollBack(
  parts: RuntimeParts,
  target: ServiceTarget,
  created: string[],
  removed: Docker.ContainerInspectInfo[],
  stopFirst: boolean,
  ctx: OperationContext,
): Promise<void> {
  const removeNew = async (): Promise<void> => {
    await Promise.all(
      created.map(async (id) => {
        const info = await inspectOrNull(parts.docker, id);
        if (info) await retire(parts, id, readInstanceLabels(info.Config.Labels));
      }),
    );
  };
  if (stopFirst) await removeNew();
  for (const info of removed) {
    let recreatedId: string | null = null;
    const labels = readInstanceLabels(info.Config.Labels);
    try {
      if (!labels) throw new Error('not a Slipway instance');
      recreatedId = await createAndStart(parts.docker, recreateOptions(info));
      const ready = await waitUntilReady(parts.docker, recreatedId, {
        environmentId: target.environmentId,
        readiness: labels.healthchecks.readiness,
        startTimeoutSeconds: labels.startTimeoutSeconds,
        describe: `restored instance ${labels.index + 1} (${labels.version ?? 'previous version'})`,
        signal: new AbortController().signal,
        log: (line) => ctx.log('warn', line),
      });
      admit(parts, ready, instanceIp(ready, target.environmentId));
      ctx.log('info', `restored instance ${labels.index + 1} (${labels.version ?? 'previous version'}) as ${recreatedId.slice(0, 12)}`);
    } catch (error) {
      ctx.log('error', `could not restore instance ${info.Id.slice(0, 12)}: ${(error as Error).message}`);
      const again = recreatedId !== null ? await inspectOrNull(parts.docker, recreatedId) : null;
      if (again && labels) {
        // Leave it running rather than nothing: the monitor admits it if it recovers, observe() reports it.
        parts.monitor.track(again.Id, labels, { ready: false, ip: instanceIp(again, target.environmentId), startedAt: null });
      }
    }
  }
  if (!stopFirst) await removeNew();
}
