import type { DeploymentDetailViewT, LogLineViewT } from '../api/schemas/views.js';
import { duration, paint, status, type Out } from './output.js';

/**
 * What `--watch` prints, computed from successive reads of a deployment (pure): a line each time
 * a service's status or current step changes, each log line, and the final summary. Lines only,
 * no cursor movement, so a CI log reads like the terminal.
 */

type Detail = Pick<DeploymentDetailViewT, 'status' | 'message' | 'stages' | 'startedAt' | 'endedAt' | 'createdAt'>;
type ServiceEntry = DeploymentDetailViewT['stages'][number]['services'][number];

export const FINISHED = new Set(['SUCCESS', 'ERROR', 'CANCELED', 'SKIPPED']);

/** What was last shown, service by service. */
export type Seen = Map<string, string>;

function currentStep(service: ServiceEntry): string {
  const running = [...service.steps].reverse().find((s) => s.status === 'RUNNING');
  const step = running ?? service.steps[service.steps.length - 1];
  if (!step) return '';
  const message = step.message ? `: ${step.message}` : '';
  return `${step.name} ${step.status}${message}`;
}

export function serviceNames(detail: Pick<DeploymentDetailViewT, 'stages'>): Map<string, string> {
  return new Map(detail.stages.flatMap((stage) => stage.services.map((s) => [s.serviceId, s.name] as const)));
}

/** The lines for what changed since `seen` (which it updates). */
export function progressLines(out: Pick<Out, 'color'>, detail: Detail, seen: Seen): string[] {
  const lines: string[] = [];
  const width = Math.max(0, ...detail.stages.flatMap((st) => st.services.map((s) => s.name.length)));
  for (const stage of detail.stages) {
    for (const service of stage.services) {
      const step = currentStep(service);
      const key = `${service.status}|${step}`;
      if (seen.get(service.serviceId) === key) continue;
      seen.set(service.serviceId, key);
      lines.push(`${service.name.padEnd(width)}  ${status(out, service.status)}${step ? `  ${paint(out, 'gray', step)}` : ''}`);
    }
  }
  return lines;
}

export function logLine(out: Pick<Out, 'color'>, line: LogLineViewT, names: Map<string, string>): string {
  const who = line.serviceId ? (names.get(line.serviceId) ?? line.serviceId.slice(0, 8)) : 'deployment';
  const level = line.level === 'error' ? paint(out, 'red', ' error') : line.level === 'warn' ? paint(out, 'yellow', ' warn') : '';
  return `${paint(out, 'gray', `[${who}${line.step ? ` ${line.step}` : ''}]`)}${level} ${line.message}`;
}

function serviceDuration(service: ServiceEntry): number | null {
  const starts = service.steps.map((s) => (s.startedAt ? Date.parse(s.startedAt) : NaN)).filter((n) => !Number.isNaN(n));
  if (starts.length === 0) return null;
  const ends = service.steps.map((s) => (s.startedAt && s.durationMs !== null ? Date.parse(s.startedAt) + s.durationMs : NaN)).filter((n) => !Number.isNaN(n));
  if (ends.length === 0) return null;
  return Math.max(...ends) - Math.min(...starts);
}

/** The closing block: each service's end status and duration, then the deployment's. */
export function summaryLines(out: Pick<Out, 'color'>, detail: Detail, deploymentId: string): string[] {
  const services = detail.stages.flatMap((st) => st.services);
  const width = Math.max(0, ...services.map((s) => s.name.length));
  const total = detail.endedAt && (detail.startedAt ?? detail.createdAt) ? Date.parse(detail.endedAt) - Date.parse(detail.startedAt ?? detail.createdAt) : null;
  const lines = [`deployment ${deploymentId} ended ${status(out, detail.status)} in ${duration(total)}${detail.message ? `: ${detail.message}` : ''}`];
  for (const s of services) lines.push(`  ${s.name.padEnd(width)}  ${status(out, s.status)}  ${duration(serviceDuration(s))}${s.version ? `  ${s.version}` : ''}`);
  return lines;
}
