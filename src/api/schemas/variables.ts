import { Type } from '@sinclair/typebox';
import { EnvVarSchema } from './service.js';

/** Variables of a project or an environment (docs/teams.md#variables). */

/** `PUT …/variables`: the whole list, replacing the current one; a secret sent back as "********" keeps its value. */
export const VariablesBody = Type.Array(EnvVarSchema, {
  maxItems: 1000,
  description: 'the whole list of variables of the scope, replacing the current one; secret values sent back as "********" are kept',
});

const Variable = Type.Object(
  { key: Type.String(), value: Type.String({ description: 'secret values are "********"' }), secret: Type.Boolean() },
  { additionalProperties: true },
);

export const VariablesView = Type.Object({ items: Type.Array(Variable) }, { additionalProperties: true, description: 'the variables of the scope, in the order given' });

export const EffectiveEnvView = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          ...Variable.properties,
          scope: Type.Union([Type.Literal('project'), Type.Literal('environment'), Type.Literal('service'), Type.Literal('database')], {
            description: 'where the value comes from: each scope overrides the ones before it (database, project, environment, service)',
          }),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true, description: "the service's env as its next deploy runs it, in key order; secret values masked" },
);
