import type { FieldError, Variable } from '../../api/types.js';
import { checkVariableName } from '../../form-rules.js';

/**
 * What the API accepts for a shared variable (docs/teams.md#variables), checked in the browser
 * first so that a mistake is told in plain words next to its field before anything is sent.
 * The API checks the same again; its answer is shown the same way.
 */

/** The value a secret shows in every answer; sent back, it keeps the stored value. */
export const SECRET_MASK = '********';
const MIN_SECRET_LENGTH = 4;
const MAX_VALUE_LENGTH = 65_536;

/** One variable being added or edited; `value` empty on a kept secret means "unchanged". */
export interface VariableDraft {
  key: string;
  value: string;
  secret: boolean;
}

/** Why a name is refused, in words; null when the API takes it (the rule every form shares: form-rules.ts). */
export const keyProblem = checkVariableName;

/**
 * The problems of `draft` about to take position `index` of `others` (the scope's other
 * variables); `wasSecret`: it replaces a stored secret, whose value an empty field keeps.
 * Fields are named as the API names them (`body/<index>/key`), so both show alike.
 */
export function draftProblems(draft: VariableDraft, index: number, others: readonly Variable[], wasSecret: boolean): FieldError[] {
  const problems: FieldError[] = [];
  const at = (f: 'key' | 'value') => `body/${index}/${f}`;
  const key = keyProblem(draft.key);
  if (key) problems.push({ field: at('key'), message: key });
  else if (others.some((v) => v.key === draft.key)) problems.push({ field: at('key'), message: `${draft.key} is already set here: edit that one instead.` });

  const keeping = wasSecret && draft.value === '';
  if (draft.value.length > MAX_VALUE_LENGTH) problems.push({ field: at('value'), message: `A value has at most ${MAX_VALUE_LENGTH.toLocaleString('en')} characters.` });
  else if (keeping && !draft.secret) problems.push({ field: at('value'), message: 'Type the value again: a secret is never shown, so making it plain needs its value.' });
  else if (draft.secret && !keeping && draft.value === SECRET_MASK) problems.push({ field: at('value'), message: `${SECRET_MASK} only stands for a stored secret; type the real value.` });
  else if (draft.secret && !keeping && draft.value.length < MIN_SECRET_LENGTH) {
    problems.push({ field: at('value'), message: `A secret value has at least ${MIN_SECRET_LENGTH} characters (shorter ones cannot be hidden from logs safely).` });
  }
  return problems;
}

/** The variable to send: a kept secret goes back as the mask, which the API resolves to its stored value. */
export function toVariable(draft: VariableDraft, wasSecret: boolean): Variable {
  const keeping = wasSecret && draft.secret && draft.value === '';
  return { key: draft.key, value: keeping ? SECRET_MASK : draft.value, secret: draft.secret };
}
