import { API_BASE, ApiRequestError, type SlipwayClient } from './client.js';
import type { RuntimeLogLine } from './types.js';

export interface LogQuery {
  tail?: number;
  instance?: string;
  follow?: boolean;
}

/**
 * Reads `GET /services/{id}/logs` as NDJSON, one call of `onLines` per chunk received (so a burst
 * of lines costs one render). Resolves when the stream ends; `signal` stops it.
 */
export async function readServiceLogs(
  client: SlipwayClient,
  serviceId: string,
  query: LogQuery,
  onLines: (lines: RuntimeLogLine[]) => void,
  signal: AbortSignal,
  onOpen: () => void = () => {},
): Promise<void> {
  const params = new URLSearchParams();
  if (query.tail !== undefined) params.set('tail', String(query.tail));
  if (query.instance) params.set('instance', query.instance);
  if (query.follow) params.set('follow', 'true');
  const response = await fetch(`${API_BASE}/services/${serviceId}/logs?${params.toString()}`, { headers: client.headers(), signal });
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '');
    let message = `HTTP ${response.status}`;
    let code = 'HTTP_ERROR';
    try {
      const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      message = error?.message ?? message;
      code = error?.code ?? code;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ApiRequestError(response.status, code, message);
  }
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    const lines: RuntimeLogLine[] = [];
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as RuntimeLogLine);
      } catch {
        // A line that is not JSON is not ours to show.
      }
    }
    if (lines.length > 0) onLines(lines);
  }
}
