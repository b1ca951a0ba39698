import { Type } from '@sinclair/typebox';
import { Name, Obj, UUID } from './common.js';

export const CreateProjectBody = Obj({ name: Name });

/** Merged over the project's current previews; null turns previews off and forgets the blueprint. */
export const PreviewsInput = Obj(
  {
    blueprintEnvironmentId: Type.Optional(Type.String({ pattern: UUID, description: 'the environment of this project each preview is cloned from' })),
    enabled: Type.Optional(Type.Boolean({ description: 'false: pull request events make no preview (closing one still deletes its preview); true when first set' })),
  },
  { description: 'a preview environment `pr-<number>` per open pull request (docs/teams.md#preview-environments)' },
);

/** Every field optional: only what is given changes. */
export const PatchProjectBody = Obj({ name: Type.Optional(Name), previews: Type.Optional(Type.Union([PreviewsInput, Type.Null()])) });

export const EnvironmentSettingsInput = Obj({
  maxParallelBuilds: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
  maxParallelDeploys: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
});

/** Given at creation only (fixed for the environment's life, like its runtime). */
const Kubeconfig = Type.String({
  minLength: 1,
  maxLength: 262_144,
  description:
    'kubernetes environments only: this environment\'s cluster credentials (a kubeconfig with a current-context and inline credentials) instead of the server\'s; a secret, masked as "********" in responses',
});

/** The runtimes an environment can use. */
export const RuntimeKindSchema = Type.Union([Type.Literal('docker'), Type.Literal('kubernetes')]);

/** The roles of API tokens, from the least to the most allowed. */
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('deployer'), Type.Literal('admin')]);

export const CreateEnvironmentBody = Obj({
  name: Name,
  runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { default: 'docker' })),
  settings: Type.Optional(Obj({ ...EnvironmentSettingsInput.properties, kubeconfig: Type.Optional(Kubeconfig) })),
});

/** Settings given are merged over the current ones. */
export const PatchEnvironmentBody = Obj({
  name: Type.Optional(Name),
  runtime: Type.Optional(Type.Union(RuntimeKindSchema.anyOf, { description: 'fixed at creation: only the current value is accepted' })),
  settings: Type.Optional(EnvironmentSettingsInput),
});

export const CreateTokenBody = Obj({
  name: Name,
  role: Type.Union([Type.Literal('admin'), Type.Literal('deployer'), Type.Literal('viewer')]),
  projects: Type.Optional(
    Type.Array(Type.String({ pattern: UUID }), {
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      description: 'the ids of the projects the token is limited to; left out, it reaches every project',
    }),
  ),
});
