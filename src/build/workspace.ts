import { lstat, mkdir, readdir, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The directory one service's build of one deployment works in:
 * `<dataDir>/workspaces/<deploymentId>/<service>`, with the bare git dir, the checked-out
 * tree and the files git needs (ssh key copy, known hosts). Removed after the build.
 */
export class Workspace {
  readonly root: string;
  readonly gitDir: string;
  readonly workTree: string;
  readonly keyDir: string;

  constructor(
    private readonly baseDir: string,
    readonly deploymentId: string,
    serviceName: string,
  ) {
    this.root = join(baseDir, deploymentId, serviceName);
    this.gitDir = join(this.root, 'git');
    this.workTree = join(this.root, 'src');
    this.keyDir = join(this.root, 'access');
  }

  async create(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await mkdir(this.keyDir, { recursive: true, mode: 0o700 });
  }

  /** Removes this service's workspace, and the deployment's directory once it is empty. */
  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await rmdir(join(this.baseDir, this.deploymentId)).catch(() => undefined);
  }
}

export class PathEscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathEscapeError';
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/**
 * Resolves `repoPath` (as written in the service: `/app`, `app/`, `Dockerfile`) inside `root`,
 * refusing anything that leaves it, by `..` or through a symbolic link (docs/build.md#steps).
 */
export async function resolveInside(root: string, repoPath: string, what: string): Promise<string> {
  const lexical = resolve(root, `.${sep}${repoPath.replace(/^[/\\]+/, '')}`);
  if (!inside(root, lexical)) throw new PathEscapeError(`${what} ${repoPath} leaves the repository`);
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw new PathEscapeError(`${what} ${repoPath} does not exist in the repository`);
  }
  if (!inside(realRoot, real)) throw new PathEscapeError(`${what} ${repoPath} leaves the repository through a symbolic link`);
  return real;
}

/** The build context's top-level entries, without the checkout's own git metadata. */
export async function contextEntries(contextDir: string): Promise<string[]> {
  return (await readdir(contextDir)).filter((name) => name !== '.git');
}

export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function isSymlink(path: string): Promise<boolean> {
  return lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
}
