import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './cli-error.js';

/**
 * Where the CLI sends its requests: `SLIPWAY_URL` + `SLIPWAY_TOKEN` when set, else the current
 * context saved by `slipway login` in `$XDG_CONFIG_HOME/slipway/config.json` (or
 * `~/.config/slipway/config.json`). The file holds tokens, so it is written with mode 0600 in a
 * directory of mode 0700.
 */

export interface Context {
  url: string;
  token: string;
}

export interface ContextsFile {
  current: string | null;
  contexts: Record<string, Context>;
}

export interface Target extends Context {
  /** The context's name, or "environment" when SLIPWAY_URL/SLIPWAY_TOKEN chose it. */
  source: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() !== '' ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(base, 'slipway', 'config.json');
}

export async function readContexts(path = configPath()): Promise<ContextsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { current: null, contexts: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ContextsFile>;
    return { current: parsed.current ?? null, contexts: parsed.contexts ?? {} };
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it or remove it and log in again`, EXIT.FAILED);
  }
}

export async function writeContexts(file: ContextsFile, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // The mode of an existing file is not changed by writeFile: set it, then replace atomically.
  await chmod(temp, 0o600);
  await rename(temp, path);
}

/** The server and token to use, or a usage error saying how to set one. */
export async function resolveTarget(options: { context?: string }, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const url = env.SLIPWAY_URL?.trim();
  const token = env.SLIPWAY_TOKEN?.trim();
  if (!options.context && url && token) return { url: stripSlash(url), token, source: 'environment' };
  const file = await readContexts(configPath(env));
  const name = options.context ?? file.current;
  const context = name ? file.contexts[name] : undefined;
  if (!name || !context) {
    if (options.context) throw new CliError(`no context named ${options.context}; see slipway contexts`, EXIT.USAGE);
    throw new CliError('no server to talk to: run slipway login --url URL --token TOKEN, or set SLIPWAY_URL and SLIPWAY_TOKEN', EXIT.USAGE);
  }
  // One of the two variables alone overrides the context's value.
  return { url: stripSlash(url || context.url), token: token || context.token, source: name };
}

export function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
