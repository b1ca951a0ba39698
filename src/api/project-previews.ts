import type { Project, ProjectPreviews } from '../domain/index.js';
import type { Store } from '../store/store.js';
import { validationFailed } from './errors.js';
import { presentProject } from './present.js';

/** A project's previews setting (docs/teams.md#preview-environments): checked when set, its problem shown. */

const FIELD = 'body/previews/blueprintEnvironmentId';

/** Why no preview can be made now: the blueprint is gone (deleted since it was set). null when they can. */
export async function previewsProblem(store: Store, project: Project): Promise<string | null> {
  if (!project.previews) return null;
  const blueprint = await store.getEnvironment(project.previews.blueprintEnvironmentId);
  if (blueprint && blueprint.projectId === project.id) return null;
  return `the blueprint environment ${project.previews.blueprintEnvironmentId} was deleted: no preview can be made until another blueprint is set (PATCH /projects/${project.id} previews)`;
}

export async function presentProjectWithPreviews(store: Store, project: Project) {
  return presentProject(project, await previewsProblem(store, project));
}

/** The previews a PATCH asks for, merged over the current ones; 400 naming what is wrong. */
export async function resolvePreviews(
  store: Store,
  project: Project,
  input: { blueprintEnvironmentId?: string; enabled?: boolean } | null,
): Promise<ProjectPreviews | null> {
  if (input === null) return null;
  const blueprintEnvironmentId = input.blueprintEnvironmentId ?? project.previews?.blueprintEnvironmentId;
  if (blueprintEnvironmentId === undefined) {
    throw validationFailed([{ field: FIELD, message: 'required: the environment of this project each preview is cloned from' }]);
  }
  const blueprint = await store.getEnvironment(blueprintEnvironmentId);
  if (!blueprint || blueprint.projectId !== project.id) {
    throw validationFailed([{ field: FIELD, message: `${blueprintEnvironmentId} is not an environment of this project` }]);
  }
  if (blueprint.preview) {
    throw validationFailed([{ field: FIELD, message: `${blueprint.name} is itself a preview (deleted when its pull request closes): choose another environment` }]);
  }
  return { blueprintEnvironmentId, enabled: input.enabled ?? project.previews?.enabled ?? true };
}
