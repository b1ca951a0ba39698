import { Type } from '@sinclair/typebox';

/** What a rollback to a past deployment changes (docs/api.md#rollback). */
export const RollbackPreview = Type.Object(
  {
    deploymentId: Type.String({ description: 'the deployment rolled back to' }),
    environmentId: Type.String(),
    changes: Type.Array(
      Type.Object(
        {
          serviceId: Type.String(),
          name: Type.String(),
          fromVersion: Type.Union([Type.String(), Type.Null()], { description: 'deployed now' }),
          toVersion: Type.String({ description: 'deployed by the rollback, and pinned' }),
          fields: Type.Array(Type.String(), { description: '`source` and the settings put back, where they differ from the service\'s current ones' }),
        },
        { additionalProperties: true },
      ),
    ),
    skipped: Type.Array(Type.Object({ serviceId: Type.String(), name: Type.String(), reason: Type.String() }, { additionalProperties: true }), {
      description: 'services of that deployment the rollback leaves alone (deleted since)',
    }),
  },
  { additionalProperties: true },
);
