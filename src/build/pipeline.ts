import { join } from 'node:path';
import { errorMessage, type GitSource } from '../domain/index.js';
import type { Builder, BuildJob, BuildReporter, BuildStep, BuiltImage } from '../engine/builder.js';
import type { StepHandle } from '../engine/run/deployment-journal.js';
import { GitClient } from './git-client.js';
import { ImageBuildError, ImageBuilder, builtImageName } from './image-builder.js';
import { PathEscapeError, Workspace, contextEntries, isFile, resolveInside } from './workspace.js';

export interface BuildPipelineOptions {
  git: GitClient;
  images: ImageBuilder;
  /** SLIPWAY_REGISTRY: images are named after it and pushed to it. */
  registry?: string;
  /** `<dataDir>/workspaces`. */
  workspacesDir: string;
  /** A whole build (clone, build, push) longer than this is stopped and fails. Default 30 min. */
  buildTimeoutMs?: number;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

/** The build of one git service at one commit (docs/build.md#steps): GIT_CLONE, BUILD, PUSH. */
export class BuildPipeline implements Builder {
  constructor(private readonly options: BuildPipelineOptions) {}

  get registry(): string | undefined {
    return this.options.registry;
  }

  headCommit(source: GitSource['git'], signal?: AbortSignal): Promise<string> {
    return this.options.git.headCommit(source, signal);
  }

  imageOf(projectName: string, serviceName: string, commit: string): { name: string; tag: string } {
    return { name: builtImageName(this.options.registry, projectName, serviceName), tag: commit };
  }

  async build(job: BuildJob, reporter: BuildReporter): Promise<BuiltImage> {
    const timeoutMs = this.options.buildTimeoutMs ?? 30 * 60_000;
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new ImageBuildError(`the build took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`)),
      timeoutMs,
    );
    const signal = AbortSignal.any([reporter.signal, timeout.signal]);
    try {
      return await this.run(job, { ...reporter, signal });
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(job: BuildJob, reporter: BuildReporter): Promise<BuiltImage> {
    const { name } = this.imageOf(job.projectName, job.serviceName, job.commit);
    if (FULL_SHA.test(job.commit) && (await this.alreadyBuilt(name, job.commit, reporter))) {
      return { name, tag: job.commit, commit: job.commit };
    }
    const workspace = new Workspace(this.options.workspacesDir, job.deploymentId, job.serviceName);
    await workspace.create();
    try {
      const commit = await this.step(reporter, 'GIT_CLONE', async (log) => {
        const full = await this.options.git.fetchCommit(job.source, job.commit, workspace, { signal: reporter.signal, log });
        log(`checked out ${full}`);
        return { value: full, message: full };
      });
      if (commit !== job.commit && (await this.alreadyBuilt(name, commit, reporter))) return { name, tag: commit, commit };

      const ref = `${name}:${commit}`;
      const localImageId = await this.step(reporter, 'BUILD', async (log) => {
        const context = await resolveInside(workspace.workTree, job.source.rootPath, 'rootPath');
        const dockerfilePath = await resolveInside(context, job.source.dockerfilePath, 'dockerfilePath');
        if (!(await isFile(dockerfilePath))) throw new PathEscapeError(`dockerfilePath ${job.source.dockerfilePath} is not a file`);
        const dockerfile = dockerfilePath.slice((context.endsWith('/') ? context : `${context}/`).length);
        log(`building ${ref} from ${job.source.rootPath} with ${job.source.dockerfilePath}`);
        const entries = await contextEntries(context);
        const id = await this.options.images.build({ dir: context, entries, dockerfile }, ref, {
          signal: reporter.signal,
          line: (level, text) => reporter.log('BUILD', level, text),
        });
        return { value: id, message: `built ${ref}` };
      });
      if (this.options.registry) {
        await this.step(reporter, 'PUSH', async (log) => {
          log(`pushing ${ref}`);
          await this.options.images.push(name, commit, {
            signal: reporter.signal,
            line: (level, text) => reporter.log('PUSH', level, text),
          });
          return { value: undefined, message: `pushed ${ref}` };
        });
      }
      return { name, tag: commit, commit, localImageId };
    } finally {
      await workspace.remove();
    }
  }

  /** "image already built" (docs/build.md#steps): the BUILD step is recorded as skipped. */
  private async alreadyBuilt(name: string, commit: string, reporter: BuildReporter): Promise<boolean> {
    if (!(await this.options.images.exists(name, commit, reporter.signal))) return false;
    reporter.log('BUILD', 'info', `image already built: ${name}:${commit}`);
    await reporter.skipStep('BUILD', 'image already built');
    return true;
  }

  /** Runs one step: recorded with its duration, its error (or stop) as its message. */
  private async step<T>(
    reporter: BuildReporter,
    name: BuildStep,
    work: (log: (line: string) => void) => Promise<{ value: T; message: string }>,
  ): Promise<T> {
    reporter.signal.throwIfAborted();
    const step: StepHandle = await reporter.startStep(name);
    try {
      const { value, message } = await work((line) => reporter.log(name, 'info', line));
      await step.finish('SUCCESS', message);
      return value;
    } catch (error) {
      const reason: unknown = reporter.signal.aborted ? reporter.signal.reason : error;
      const timedOut = reason instanceof ImageBuildError;
      if (reporter.signal.aborted && !timedOut) {
        const message = `stopped: ${errorMessage(reason)}`;
        reporter.log(name, 'warn', message);
        await step.finish('CANCELED', message);
        throw reason instanceof Error ? reason : new Error(message);
      }
      const message = errorMessage(reason);
      reporter.log(name, 'error', message);
      await step.finish('ERROR', message);
      throw reason instanceof Error ? reason : new Error(message);
    }
  }
}

export function workspacesDir(dataDir: string): string {
  return join(dataDir, 'workspaces');
}
