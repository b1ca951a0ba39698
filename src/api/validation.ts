import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ajvDetails, validationFailed, type FieldError } from './errors.js';

/**
 * Two validators: bodies are JSON and must be exactly right (no coercion); path and query
 * parameters arrive as strings and are coerced ("5" → 5, "true" → true). Neither removes
 * unknown fields — they are refused (every object schema says additionalProperties: false).
 */
const common: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false, messages: true };
const bodyAjv = new Ajv({ ...common, coerceTypes: false });
const paramAjv = new Ajv({ ...common, coerceTypes: true });

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : paramAjv;
    return ajv.compile(schema) as ValidateFunction;
  });
}

const cache = new WeakMap<TSchema, ValidateFunction>();

/** Validates a value the route schema could only describe loosely (a PATCH's source, for one service type). */
export function check(schema: TSchema, value: unknown, field: string): void {
  let validate = cache.get(schema);
  if (!validate) {
    validate = bodyAjv.compile(schema);
    cache.set(schema, validate);
  }
  if (validate(value)) return;
  const details: FieldError[] = ajvDetails(validate.errors ?? [], field);
  throw validationFailed(details);
}
