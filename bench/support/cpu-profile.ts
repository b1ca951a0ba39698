import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * A CPU profile of part of this process (the inspector's profiler), for benchmarks whose
 * subject runs in the benchmark's own process, where `node --cpu-prof` would also profile the set-up. Written as a
 * .cpuprofile file (Chrome DevTools, speedscope) into `dir`.
 */
export class CpuProfile {
  private constructor(private readonly session: Session, private readonly dir: string) {}

  static async start(dir: string, samplingIntervalUs = 200): Promise<CpuProfile> {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await session.post('Profiler.start');
    return new CpuProfile(session, dir);
  }

  /** Stops profiling; the path of the file written. */
  async stop(name: string): Promise<string> {
    const { profile } = await this.session.post('Profiler.stop');
    this.session.disconnect();
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${name}-${Date.now()}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    return path;
  }
}
