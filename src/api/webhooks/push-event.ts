import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Git push webhooks (docs/actions.md#auto-deploy): GitHub (`X-GitHub-Event: push`,
 * `X-Hub-Signature-256`) and GitLab (`X-Gitlab-Event: Push Hook`, `X-Gitlab-Token`), read from the
 * raw body.
 */

export type Provider = 'github' | 'gitlab';

export interface PushEvent {
  provider: Provider;
  /** The repository's URLs as the event names them (clone, ssh, web). */
  repositoryUrls: string[];
  branch: string;
  commit: string;
}

export type ParsedEvent = { kind: 'push'; event: PushEvent } | { kind: 'ignored'; reason: string };

const SHA = /^[0-9a-f]{40}$/;

function strings(...values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export function providerOf(headers: Record<string, string | string[] | undefined>): { provider: Provider; eventName: string } | null {
  const github = headers['x-github-event'];
  if (typeof github === 'string') return { provider: 'github', eventName: github };
  const gitlab = headers['x-gitlab-event'];
  if (typeof gitlab === 'string') return { provider: 'gitlab', eventName: gitlab };
  return null;
}

/** The JSON payload of the body: JSON itself, or GitHub's form encoding (`payload=<json>`). */
export function payloadOf(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString('utf8');
  if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new Error('the form body has no payload field');
    return JSON.parse(payload);
  }
  return JSON.parse(text);
}

export function parsePush(provider: Provider, eventName: string, payload: unknown): ParsedEvent {
  const body = record(payload);
  const isPush = provider === 'github' ? eventName === 'push' : eventName === 'Push Hook';
  if (!isPush) return { kind: 'ignored', reason: `${eventName} events are not acted on` };
  const ref = body.ref;
  if (typeof ref !== 'string' || !ref.startsWith('refs/heads/')) return { kind: 'ignored', reason: 'not a branch push' };
  const commit = provider === 'gitlab' && typeof body.checkout_sha === 'string' ? body.checkout_sha : body.after;
  if (typeof commit !== 'string' || !SHA.test(commit) || /^0+$/.test(commit)) {
    return { kind: 'ignored', reason: 'the push deleted the branch or names no commit' };
  }
  let repositoryUrls: string[];
  if (provider === 'github') {
    const repo = record(body.repository);
    repositoryUrls = strings(repo.clone_url, repo.ssh_url, repo.git_url, repo.html_url);
  } else {
    const project = record(body.project);
    const repo = record(body.repository);
    repositoryUrls = strings(project.git_http_url, project.git_ssh_url, project.web_url, repo.git_http_url, repo.git_ssh_url, repo.homepage);
  }
  if (repositoryUrls.length === 0) return { kind: 'ignored', reason: 'the event names no repository' };
  return { kind: 'push', event: { provider, repositoryUrls, branch: ref.slice('refs/heads/'.length), commit } };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the request is signed with this webhook secret. */
export function verifySignature(
  provider: Provider,
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
  secret: string,
): boolean {
  if (provider === 'github') {
    const signature = headers['x-hub-signature-256'];
    if (typeof signature !== 'string') return false;
    const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    return sameText(signature.trim().toLowerCase(), expected);
  }
  const token = headers['x-gitlab-token'];
  return typeof token === 'string' && sameText(token, secret);
}

export function hasSignature(provider: Provider, headers: Record<string, string | string[] | undefined>): boolean {
  return typeof headers[provider === 'github' ? 'x-hub-signature-256' : 'x-gitlab-token'] === 'string';
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * What identifies a delivery, to refuse replays (docs/api.md#webhooks). The provider's delivery id
 * (GitHub `X-GitHub-Delivery`; GitLab `Idempotency-Key`, else `X-Gitlab-Event-UUID`), the same
 * on the provider's own retries. GitHub signs only the body, so a captured delivery could be
 * replayed under a new delivery id: its body's hash is a key too (every GitHub push body
 * carries `repository.pushed_at`, so two pushes never share one). A GitLab token signs
 * nothing: whoever replays it holds the secret itself, and GitLab bodies have no such
 * timestamp (a branch pushed back to a commit it had would repeat one), so only the id counts.
 */
export function deliveryKeys(provider: Provider, headers: Record<string, string | string[] | undefined>, raw: Buffer): string[] {
  const keys: string[] = [];
  const id =
    provider === 'github' ? header(headers, 'x-github-delivery') : (header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'));
  if (id !== undefined) keys.push(`${provider}:delivery:${id.slice(0, 200)}`);
  if (provider === 'github') keys.push(`github:body:${createHash('sha256').update(raw).digest('hex')}`);
  return keys;
}
