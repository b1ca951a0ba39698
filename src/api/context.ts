import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Environment, GitSource, Origin, Project, Service } from '../domain/index.js';
import type { ControlPlane } from '../engine/control-plane.js';
import type { Deployment, Store } from '../store/store.js';
import type { DependencyStatus } from '../runtime/dependency-status.js';
import type { AddressPolicy } from '../notifications/address-policy.js';
import { notFound } from './errors.js';

/** A commit of a branch, as `GET /services/{id}/versions` lists them for git sources. */
export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  date: string;
}

/** Git look-ups the API needs; wired by the composition root once the git client exists. */
export interface GitLookup {
  /** The commit at the head of the source's branch. */
  headCommit(source: GitSource['git']): Promise<string>;
  /** Recent commits of the source's branch, newest first. */
  listCommits(source: GitSource['git'], limit: number): Promise<CommitInfo[]>;
}

export interface ApiDeps {
  store: Store;
  controlPlane: ControlPlane;
  listImageTags: (imageName: string) => Promise<string[]>;
  git?: GitLookup;
  /** What the server depends on besides its database (the Docker Engine), for /readyz. */
  dependencies?: () => DependencyStatus[];
  /** Built images can be pushed to a registry (SLIPWAY_REGISTRY set); unset: not known, not checked. */
  buildRegistry?: boolean;
  /** SLIPWAY_APPS_DOMAIN: custom domains under it are refused (docs/edge.md#host-names). Default localhost. */
  appsDomain?: string;
  /** Where notifications may be sent. */
  notificationPolicy: AddressPolicy;
}

export type Api = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/** Who asked: the CLI and the console say so in X-Slipway-Origin; anything else is the API. */
export function originOf(request: FastifyRequest): Origin {
  const header = request.headers['x-slipway-origin'];
  const value = typeof header === 'string' ? header.trim().toUpperCase() : '';
  return value === 'CLI' || value === 'CONSOLE' ? value : 'API';
}

export function triggeredBy(request: FastifyRequest): string {
  return request.token?.name ?? 'anonymous';
}

export async function requireProject(store: Store, id: string): Promise<Project> {
  const found = await store.getProject(id);
  if (!found) throw notFound('project');
  return found;
}

export async function requireEnvironment(store: Store, id: string): Promise<Environment> {
  const found = await store.getEnvironment(id);
  if (!found) throw notFound('environment');
  return found;
}

export async function requireService(store: Store, id: string): Promise<Service> {
  const found = await store.getService(id);
  if (!found) throw notFound('service');
  return found;
}

export async function requireDeployment(store: Store, id: string): Promise<Deployment> {
  const found = await store.getDeployment(id);
  if (!found) throw notFound('deployment');
  return found;
}
