import pLimit from 'p-limit';
import { codeSource, errorMessage, isGitSource, type GitSource, type PlannedService, type Project, type Service } from '../../domain/index.js';
import { gitUrlSecrets } from '../../build/git-remote.js';
import type { Builder, BuiltImage } from '../builder.js';
import type { DeploymentJournal, StepHandle } from './deployment-journal.js';
import type { FirstError } from './stage-runner.js';
import type { BuiltImageSource } from '../../runtime/runtime.js';

/**
 * The builds of one deployment, pipelined with its stages (docs/build.md): every git service starts
 * building when the deployment starts (at most maxParallelBuilds at a time), and its deploy
 * waits for its own image when its stage comes. A failed build ends its service BUILD_ERROR at
 * once and is the deployment's first error; on the first error (or Cancel) the builds of
 * services whose stage has not come are stopped.
 */

export type BuildResult =
  | { ok: true; image: BuiltImage }
  | { ok: false; canceled: true; message: string }
  | { ok: false; canceled: false; message: string };

export interface BuildHandle {
  readonly result: Promise<BuildResult>;
  /** The service's stage came and its task waits for this build: it is no longer stopped by a first error. */
  claim(): void;
}

interface Entry extends BuildHandle {
  claimed: boolean;
  controller: AbortController;
}

/** The git source a service builds from, if any. */
export function gitSourceOf(service: Service): GitSource['git'] | null {
  const source = codeSource(service);
  return source && isGitSource(source) ? source.git : null;
}

/** Credentials in the git URLs of these services, to keep out of logs. */
export function gitSecretValues(services: readonly Service[]): string[] {
  return services.flatMap((service) => {
    const git = gitSourceOf(service);
    return git ? gitUrlSecrets(git.url) : [];
  });
}

export interface BuildSetOptions {
  builder: Builder | undefined;
  journal: DeploymentJournal;
  project: Project;
  /** The deployment's signal (Cancel). */
  signal: AbortSignal;
  maxParallelBuilds: number;
  firstError: FirstError;
  /** Where the environment's runtime takes built images from: a runtime that pulls them needs a registry. */
  builtImages?: BuiltImageSource;
}

export class BuildSet {
  private readonly entries = new Map<string, Entry>();
  private readonly limit;

  constructor(private readonly options: BuildSetOptions) {
    this.limit = pLimit(Math.max(1, options.maxParallelBuilds));
    options.firstError.onFailure(() => {
      const failure = options.firstError.failure!;
      this.stopUnclaimed(new Error(`${failure.task} failed in stage ${failure.stage}`));
    });
    options.signal.addEventListener('abort', () => this.stopAll(new Error('the deployment was canceled')), { once: true });
  }

  get(serviceId: string): BuildHandle | undefined {
    return this.entries.get(serviceId);
  }

  /**
   * Starts (or queues behind maxParallelBuilds) the build of a service at a commit, or, when
   * its commit could not be resolved, records that error as its build's.
   */
  start(service: Service, stageName: string, commit: string | Error, queueing: StepHandle): void {
    const controller = new AbortController();
    if (this.options.signal.aborted) controller.abort(new Error('the deployment was canceled'));
    const entry = { claimed: false, controller } as Entry;
    entry.claim = () => {
      entry.claimed = true;
    };
    (entry as { result: Promise<BuildResult> }).result = this.limit(() => this.run(service, stageName, commit, queueing, controller.signal));
    this.entries.set(service.id, entry);
  }

  /** Waits until every build has ended (each is stopped or has finished). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.result));
  }

  private stopUnclaimed(reason: Error): void {
    for (const entry of this.entries.values()) if (!entry.claimed) entry.controller.abort(reason);
  }

  private stopAll(reason: Error): void {
    for (const entry of this.entries.values()) entry.controller.abort(reason);
  }

  private async run(service: Service, stageName: string, commit: string | Error, queueing: StepHandle, signal: AbortSignal): Promise<BuildResult> {
    const { journal, builder, project } = this.options;
    if (signal.aborted) return { ok: false, canceled: true, message: `build not started: ${errorMessage(signal.reason)}` };
    // The service shows BUILDING once there is work to do: a commit already built has none (docs/build.md).
    let building: Promise<unknown> | undefined;
    const startBuilding = (): Promise<unknown> => (building ??= Promise.all([queueing.finish('SUCCESS'), journal.moveService(service.id, 'BUILDING')]));
    const onCancel = (): void => void journal.moveServiceIf(service.id, ['BUILDING'], 'CANCELING');
    this.options.signal.addEventListener('abort', onCancel, { once: true });
    try {
      if (commit instanceof Error) throw commit;
      if (!builder) throw new Error('this Slipway server has no image builder configured');
      if (this.options.builtImages === 'registry' && !builder.registry) {
        // The cluster's nodes pull the image (docs/build.md); a local engine's image is not theirs.
        throw new Error('a kubernetes environment needs a registry for the images it builds (the cluster pulls them from it): set SLIPWAY_REGISTRY on this Slipway server');
      }
      const git = gitSourceOf(service)!;
      const image = await builder.build(
        { deploymentId: journal.deployment.id, projectName: project.name, serviceName: service.name, source: git, commit },
        {
          signal,
          startStep: async (step, message) => {
            await startBuilding();
            return journal.startStep(service.id, step, message);
          },
          skipStep: (step, message) => journal.recordStep(service.id, step, 'SKIPPED', message),
          log: (step, level, message) => void journal.log(service.id, step, level, message),
        },
      );
      return { ok: true, image };
    } catch (error) {
      if (signal.aborted) {
        const message = `build stopped: ${errorMessage(signal.reason)}`;
        await journal.log(service.id, 'BUILD', 'warn', message);
        return { ok: false, canceled: true, message };
      }
      const message = `build failed: ${errorMessage(error)}`;
      await journal.log(service.id, 'BUILD', 'error', message);
      await startBuilding();
      await journal.moveService(service.id, 'BUILD_ERROR', message);
      this.options.firstError.fail(stageName, service.name);
      return { ok: false, canceled: false, message };
    } finally {
      this.options.signal.removeEventListener('abort', onCancel);
    }
  }
}

/**
 * The commit each service the plan builds deploys (docs/actions.md): the version the plan knows
 * (the version shown), or the head of its branch now where the plan has none (a service never
 * deployed, Deploy latest version). A head that cannot be read is that service's build error.
 */
export async function commitsToBuild(builder: Builder | undefined, planned: readonly PlannedService[], signal: AbortSignal): Promise<Map<string, string | Error>> {
  const commits = new Map<string, string | Error>();
  await Promise.all(
    planned
      .filter((p) => p.builds)
      .map(async ({ service, version }) => {
        if (version) return commits.set(service.id, version);
        const git = gitSourceOf(service);
        if (!builder || !git) return commits.set(service.id, new Error('this Slipway server has no image builder configured'));
        try {
          commits.set(service.id, await builder.headCommit(git, signal));
        } catch (error) {
          commits.set(service.id, error instanceof Error ? error : new Error(String(error)));
        }
      }),
  );
  return commits;
}
