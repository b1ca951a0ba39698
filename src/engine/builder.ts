import type { GitSource, LogLevel } from '../domain/index.js';
import type { StepHandle } from './run/deployment-journal.js';

/**
 * What the engine asks of the image builder for git services (docs/build.md). The real one is
 * src/build/pipeline.ts; engine unit tests use a double.
 */

export type BuildStep = 'GIT_CLONE' | 'BUILD' | 'PUSH';

export interface BuildJob {
  deploymentId: string;
  projectName: string;
  serviceName: string;
  source: GitSource['git'];
  /** A commit SHA (full, or 7+ hex characters when a user pinned it so). */
  commit: string;
}

/** Where a build writes its steps and output; aborting the signal stops the build at once. */
export interface BuildReporter {
  signal: AbortSignal;
  /** A step of work begins: the service shows BUILDING from the first one on. */
  startStep(step: BuildStep, message?: string): Promise<StepHandle>;
  /** A step with no work to do ("image already built"), recorded SKIPPED; the service stays as it is. */
  skipStep(step: BuildStep, message: string): Promise<void>;
  log(step: BuildStep, level: LogLevel, message: string): void;
}

export interface BuiltImage {
  name: string;
  tag: string;
  /** The full commit SHA the image was built from. */
  commit: string;
  /**
   * The image's id in the local Docker Engine when this build made it there: the docker
   * runtime (same engine) runs it as is, without pulling back what was just pushed. Absent
   * when the build was skipped (image already built), so the image is pulled as usual.
   */
  localImageId?: string;
}

export interface Builder {
  /** The registry built images are pushed to (SLIPWAY_REGISTRY); undefined: they stay in the local engine. */
  readonly registry?: string | undefined;
  /** The commit at the head of the source's branch now. */
  headCommit(source: GitSource['git'], signal?: AbortSignal): Promise<string>;
  /**
   * Clone, build, push (or "image already built"), each step recorded through the reporter.
   * Throws with the builder's error on failure; with the signal's reason when stopped.
   */
  build(job: BuildJob, reporter: BuildReporter): Promise<BuiltImage>;
  /** The image a commit of a service was built into (for restarts). */
  imageOf(projectName: string, serviceName: string, commit: string): { name: string; tag: string };
}
