import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { READY_DIR } from './caddy-config.js';

/**
 * The edge's ready directory on the host (docs/edge.md#routing-and-draining): one empty file per
 * upstream Caddy may send traffic to, named `host:port`. Caddy's health checks read it through
 * the bind mount, so it keeps its state while Slipway is away.
 */
export class ReadyFiles {
  private readonly dir: string;
  /** One change at a time, in the order asked: an instance retired just after it was admitted ends unmarked. */
  private queue: Promise<void> = Promise.resolve();

  constructor(runDir: string) {
    this.dir = join(runDir, READY_DIR);
  }

  mark(dial: string): Promise<void> {
    const path = this.pathOf(dial);
    return this.enqueue(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o755 });
      await writeFile(path, '');
    });
  }

  unmark(dial: string): Promise<void> {
    const path = this.pathOf(dial);
    return this.enqueue(() =>
      unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      }),
    );
  }

  private enqueue(change: () => Promise<void>): Promise<void> {
    const done = this.queue.then(change);
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** The upstreams marked ready now. */
  async list(): Promise<Set<string>> {
    try {
      return new Set(await readdir(this.dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw error;
    }
  }

  private pathOf(dial: string): string {
    // A dial is host:port, from Slipway's own names and Docker's addresses; never a path.
    if (dial.includes('/') || dial.startsWith('.')) throw new Error(`not an upstream address: ${dial}`);
    return join(this.dir, dial);
  }
}
