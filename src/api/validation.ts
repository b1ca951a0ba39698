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
  app.setValidatorCompiler(({ schema, httpPart }) => lazily(httpPart === 'body' ? bodyAjv : paramAjv, schema));
}

/**
 * A route's validator, compiled on the route's first request. Compiling every route's schemas
 * when the server starts allocated about 74 MB (most of it garbage at once), which the heap
 * kept as room long after; a server serves few of its routes often. Fastify reads a failed
 * validation's `errors` from the function it was given, so they are copied onto it.
 */
function lazily(ajv: Ajv, schema: object): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile(schema);
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  return validate;
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
