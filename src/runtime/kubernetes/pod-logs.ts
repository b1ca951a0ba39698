import { PassThrough } from 'node:stream';
import { Log, type KubeConfig } from '@kubernetes/client-node';
import { timestampedLines, type OutputChunk } from '../log-lines.js';
import type { InstanceLogLine, LogQuery } from '../runtime.js';
import { apiErrorMessage } from './cluster.js';

/**
 * The output of one pod's container through the pod log API (`timestamps=true`), read only as
 * fast as it is consumed: the response is piped into a small buffer the iterator drains. The
 * API merges stdout and stderr: every line is reported as stdout.
 */
export async function openPodLogs(config: KubeConfig, pod: { namespace: string; name: string; container: string }, query: LogQuery): Promise<AsyncIterable<InstanceLogLine>> {
  const sink = new PassThrough();
  let controller: AbortController;
  try {
    controller = await new Log(config).log(pod.namespace, pod.name, pod.container, sink, {
      follow: query.follow,
      timestamps: true,
      ...(query.tail !== undefined && query.tail > 0 ? { tailLines: query.tail } : {}),
      // The client drops tailLines=0 (it would mean everything): no past lines is "since now".
      ...(query.since !== undefined || query.tail === 0 ? { sinceTime: new Date(query.since ?? Date.now()).toISOString() } : {}),
    });
  } catch (error) {
    throw new Error(`the pod log API refused the logs of ${pod.namespace}/${pod.name}: ${apiErrorMessage(error)}`, { cause: error });
  }
  const stop = (): void => {
    controller.abort();
    sink.end();
  };
  query.signal.addEventListener('abort', stop, { once: true });
  return timestampedLines(chunksOf(sink, () => query.signal.removeEventListener('abort', stop)), pod.name);
}

async function* chunksOf(sink: AsyncIterable<Buffer>, done: () => void): AsyncGenerator<OutputChunk> {
  try {
    for await (const data of sink) yield { stream: 'stdout', data };
  } finally {
    done();
  }
}
