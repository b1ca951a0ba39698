import type Docker from 'dockerode';

/**
 * Where the time goes: durations of calls, grouped by a name. Concurrent calls overlap, so a
 * total is busy time summed over every caller, not wall-clock time.
 */
export class CallTimes {
  private readonly calls = new Map<string, number[]>();
  /** Off: calls go straight through, untimed (for the measured runs; timing costs a little). */
  enabled = false;

  record(name: string, ms: number): void {
    const list = this.calls.get(name);
    if (list) list.push(ms);
    else this.calls.set(name, [ms]);
  }

  reset(): void {
    this.calls.clear();
  }

  /** Per name: calls, total and mean ms, the largest totals first. */
  summary(): Array<{ name: string; calls: number; totalMs: number; meanMs: number }> {
    return [...this.calls.entries()]
      .map(([name, list]) => {
        const totalMs = list.reduce((a, b) => a + b, 0);
        return { name, calls: list.length, totalMs, meanMs: totalMs / list.length };
      })
      .sort((a, b) => b.totalMs - a.totalMs);
  }
}

/**
 * The same object, with the duration of every promise-returning method call recorded as
 * `<prefix>.<method>` while `times.enabled`. Methods listed in `replace` are swapped for the
 * given functions (timed likewise).
 */
export function timed<T extends object>(target: T, prefix: string, times: CallTimes, replace: Partial<Record<string, unknown>> = {}): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = typeof key === 'string' && key in replace ? replace[key] : Reflect.get(obj, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!times.enabled) return method.bind(obj);
      return (...args: unknown[]): unknown => {
        const start = performance.now();
        const result = method.apply(obj, args);
        if (result instanceof Promise) {
          return result.finally(() => times.record(`${prefix}.${key}`, performance.now() - start));
        }
        return result;
      };
    },
  });
}

/** A readable name for a Docker Engine API call: method and path with ids and names replaced. */
function endpointName(method: string, path: string): string {
  const clean = path.replace(/\?.*$/, '');
  const rules: Array<[RegExp, string]> = [
    [/^\/images\/create$/, '/images/create (pull)'],
    [/^\/images\/.+\/json$/, '/images/{ref}/json (inspect image)'],
    [/^\/containers\/json$/, '/containers/json (list)'],
    [/^\/containers\/create$/, '/containers/create'],
    [/^\/containers\/[^/]+\/json$/, '/containers/{id}/json (inspect)'],
    [/^\/containers\/[^/]+\/(\w+)$/, '/containers/{id}/$1'],
    [/^\/containers\/[^/]+$/, '/containers/{id} (remove)'],
    [/^\/networks\/[^/]+$/, '/networks/{name}'],
    [/^\/volumes\/[^/]+$/, '/volumes/{name}'],
  ];
  for (const [pattern, name] of rules) if (pattern.test(clean)) return `${method} ${clean.replace(pattern, name)}`;
  return `${method} ${clean}`;
}

/**
 * Records every Docker Engine API call dockerode makes through this client, as
 * `docker <METHOD> <path>`: from the request until the answer (for streams such as a pull,
 * until the stream ends). docker-modem's dial() is the one place every call goes through.
 */
export function timeDockerCalls(docker: Docker, times: CallTimes): void {
  // docker-modem is untyped in @types/dockerode; dial(options, callback) is its documented core.
  const modem = docker.modem as unknown as {
    dial(options: { method?: string; path?: string }, callback: (err: unknown, data: unknown) => void): unknown;
  };
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) => {
    if (!times.enabled) return dial(options, callback);
    const start = performance.now();
    const name = `docker ${endpointName(options.method ?? 'GET', options.path ?? '')}`;
    return dial(options, (err, data) => {
      const stream = data as { on?: (event: string, fn: () => void) => void } | null;
      if (!err && stream && typeof stream.on === 'function' && typeof (data as { pipe?: unknown }).pipe === 'function') {
        let recorded = false;
        const done = (): void => {
          if (recorded) return;
          recorded = true;
          times.record(name, performance.now() - start);
        };
        stream.on('end', done);
        stream.on('close', done);
      } else {
        times.record(name, performance.now() - start);
      }
      callback(err, data);
    });
  };
}
