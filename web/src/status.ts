/**
 * One vocabulary for every status badge: the tone (colour) groups statuses as the issue asks —
 * in progress, success, error, stopped, never deployed — plus warning for running statuses.
 */
export type Tone = 'progress' | 'success' | 'error' | 'stopped' | 'never' | 'warning';

const PROGRESS = new Set([
  'QUEUED', 'BUILDING', 'DEPLOYING', 'EXECUTING', 'STOP_QUEUED', 'STOPPING', 'RESTART_QUEUED', 'RESTARTING',
  'CANCELING', 'DELETE_QUEUED', 'DELETING', 'RUNNING_REQUEST', 'STARTING',
]);
const SUCCESS = new Set(['DEPLOYED', 'RESTARTED', 'SUCCESS', 'RUNNING', 'COMPLETED', 'SUCCEEDED']);
const ERROR = new Set(['BUILD_ERROR', 'DEPLOYMENT_ERROR', 'STOP_ERROR', 'RESTART_ERROR', 'DELETE_ERROR', 'ERROR', 'FAILED']);
const STOPPED = new Set(['STOPPED', 'CANCELED', 'DELETED', 'SKIPPED']);
const WARNING = new Set(['WARNING', 'UNKNOWN']);

/** `kind` tells a deployment run's RUNNING (in progress) from a service's running status RUNNING (up). */
export function toneOf(status: string, kind: 'deployment' | 'running' | 'run' = 'deployment'): Tone {
  if (kind === 'run' && status === 'RUNNING') return 'progress';
  if (kind === 'run' && status === 'QUEUED') return 'progress';
  if (status === 'READY') return 'never';
  if (PROGRESS.has(status)) return 'progress';
  if (SUCCESS.has(status)) return 'success';
  if (ERROR.has(status)) return 'error';
  if (STOPPED.has(status)) return 'stopped';
  if (WARNING.has(status)) return 'warning';
  return 'stopped';
}

const TONE_WORD: Record<Tone, string> = {
  progress: 'in progress',
  success: 'success',
  error: 'error',
  stopped: 'stopped',
  never: 'never deployed',
  warning: 'warning',
};

export function toneWord(tone: Tone): string {
  return TONE_WORD[tone];
}

/** `DEPLOYMENT_ERROR` → `Deployment error`; READY reads as what it means. */
export function statusLabel(status: string): string {
  if (status === 'READY') return 'Never deployed';
  const words = status.toLowerCase().split('_');
  return words.map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
}

export const ACTION_LABEL: Record<string, string> = {
  DEPLOY: 'Deploy',
  REDEPLOY: 'Redeploy',
  STOP: 'Stop',
  RESTART: 'Restart',
  CANCEL: 'Cancel',
  DEPLOY_VERSION: 'Deploy other version…',
  DEPLOY_LATEST: 'Deploy latest version…',
  DELETE: 'Delete…',
};

export function actionName(action: string): string {
  return (ACTION_LABEL[action] ?? statusLabel(action)).replace('…', '');
}
