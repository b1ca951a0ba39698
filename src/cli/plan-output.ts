import type { PlanChangeViewT } from '../api/schemas/environment-file.js';
import type { Out } from './output.js';
import { paint } from './output.js';

/** An apply's plan as a diff: `+` created, `~` updated (with its fields), `-` deleted, `=` unchanged. */

/** A change as the API's plan names it (the apply answer's schema). */
export type PlanChange = PlanChangeViewT;

export function planLines(out: Pick<Out, 'color'>, changes: readonly PlanChange[]): string[] {
  return changes.map((c) => {
    switch (c.op) {
      case 'create':
        return paint(out, 'green', `+ ${c.kind} ${c.name}`);
      case 'update':
        return paint(out, 'yellow', `~ ${c.kind} ${c.name}: ${(c.fields ?? []).join(', ')}`);
      case 'delete':
        return paint(out, 'red', `- ${c.kind} ${c.name}`);
      default:
        return paint(out, 'gray', `= ${c.kind} ${c.name}`);
    }
  });
}

export function planSummary(changes: readonly PlanChange[], dryRun: boolean): string {
  const count = (op: PlanChange['op']) => changes.filter((c) => c.op === op).length;
  const parts = dryRun
    ? [`${count('create')} to create`, `${count('update')} to update`, `${count('delete')} to delete`, `${count('unchanged')} unchanged`]
    : [`${count('create')} created`, `${count('update')} updated`, `${count('delete')} deleted`, `${count('unchanged')} unchanged`];
  return `${dryRun ? 'dry run, nothing changed: ' : ''}${parts.join(', ')}`;
}
