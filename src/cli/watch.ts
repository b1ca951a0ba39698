import type { DeploymentDetailViewT, LogLineViewT, QueueViewT } from '../api/schemas/views.js';
import type { ApiClient } from './api-client.js';
import { EXIT, type ExitCode } from './cli-error.js';
import type { Out } from './output.js';
import { FINISHED, logLine, progressLines, serviceNames, summaryLines, type Seen } from './progress.js';

/**
 * `--watch`: follows one deployment to its end by reading the API every second (its detail,
 * its new log lines, its queue position while it waits). Ctrl-C stops the watching only: the
 * deployment goes on, and the message says how to cancel it.
 */

const POLL_MS = 1000;

export interface WatchTarget {
  deploymentId: string;
  environmentId: string;
  /** `project/env`, for the cancel hint. */
  environmentPath: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function watchDeployment(api: ApiClient, target: WatchTarget, out: Out): Promise<ExitCode> {
  const onInterrupt = (): void => {
    out.error(`\nstopped watching; deployment ${target.deploymentId} goes on. To cancel it: slipway cancel ${target.environmentPath}`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    const seen: Seen = new Map();
    let lastSeq: number | undefined;
    let lastPosition: number | null = null;
    for (;;) {
      const detail = await api.get<DeploymentDetailViewT>(`/deployments/${target.deploymentId}`);
      if (detail.status === 'QUEUED') {
        const queue = await api.get<QueueViewT>(`/environments/${target.environmentId}/queue`);
        const position = queue.items.find((i) => i.id === target.deploymentId)?.position ?? null;
        if (position !== null && position !== lastPosition) {
          const running = queue.running ? ` (running now: ${queue.running.action} ${queue.running.id})` : '';
          out.line(`waiting in the queue: position ${position}${running}`);
          lastPosition = position;
        }
      }
      for (const line of progressLines(out, detail, seen)) out.line(line);
      const names = serviceNames(detail);
      // Lines written before the status was read are all read now (status first, then lines).
      for (;;) {
        const { items } = await api.get<{ items: LogLineViewT[] }>(`/deployments/${target.deploymentId}/logs`, {
          limit: 1000,
          ...(lastSeq !== undefined ? { after: lastSeq } : {}),
        });
        for (const line of items) out.line(logLine(out, line, names));
        if (items.length > 0) lastSeq = items[items.length - 1]!.seq;
        if (items.length < 1000) break;
      }
      if (FINISHED.has(detail.status)) {
        out.line();
        for (const line of summaryLines(out, detail, target.deploymentId)) out.line(line);
        return detail.status === 'SUCCESS' ? EXIT.OK : EXIT.FAILED;
      }
      await sleep(POLL_MS);
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
