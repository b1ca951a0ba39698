import type Docker from 'dockerode';

/** Known exits: container id and restart count → the code of the run before that restart. */
const known = new Map<string, number | null>();
const KNOWN_MAX = 1_000;

/**
 * The exit code of a container's last `die` event in the past hour. Once the engine has
 * restarted a container, inspect shows the new run (ExitCode 0), so what the failed run exited
 * with is only in the engine's events.
 */
export async function lastExitCode(docker: Docker, containerId: string): Promise<string | null> {
  const now = Date.now() / 1000;
  const stream = (await docker.getEvents({
    since: Math.floor(now) - 3600,
    // Up to now, to the millisecond: a later `until` keeps the stream open until that time comes.
    until: Math.round(now * 1000) / 1000,
    filters: { container: [containerId], event: ['die'] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  const lines = text.split('\n').filter(Boolean);
  const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as { Actor?: { Attributes?: Record<string, string> } }) : null;
  return last?.Actor?.Attributes?.exitCode ?? null;
}

/**
 * The code a restarted container last exited with, read from the events once per restart
 * (instances are read often: by the console, the sampler, the crash notices). Null when the
 * engine no longer has the event.
 */
export async function exitCodeBeforeRestart(docker: Docker, containerId: string, restartCount: number): Promise<number | null> {
  const key = `${containerId}:${restartCount}`;
  if (known.has(key)) return known.get(key) ?? null;
  const text = await lastExitCode(docker, containerId).catch(() => null);
  const code = text === null || !/^\d+$/.test(text) ? null : Number(text);
  if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
  known.set(key, code);
  return code;
}
