import { randomUUID } from 'node:crypto';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS, deployedSpecOf, desiredSpec, specHash, type Service } from '../../src/domain/index.js';
import { createStore, type StoreOptions } from '../../src/store/create-store.js';
import { deployedSpecContext } from '../../src/store/deployed-states.js';
import { openDatabase } from '../../src/store/dialect.js';
import { openSecretBox } from '../../src/store/secrets.js';
import type { Store } from '../../src/store/store.js';

const BATCH_ROWS = 500;

/**
 * Many environments of `servicesPerEnvironment` services, quickly: one environment of services
 * is written through the store (so every row is as the store writes it), then copied under new
 * ids and names in multi-row inserts of BATCH_ROWS. The copied rows hold no sealed value (no
 * secret env, no git URL), so nothing bound to the template's ids is copied, except, with
 * `deployed`, each service's deployed spec: sealed again for each copy's id. Returns the
 * environment ids.
 */
export async function seedEnvironments(
  options: StoreOptions,
  shape: { projects: number; environmentsPerProject: number; servicesPerEnvironment: number; deployed?: boolean },
): Promise<string[]> {
  const store = await createStore(options);
  const projectIds: string[] = [];
  let template: string;
  try {
    for (let p = 0; p < shape.projects; p++) projectIds.push((await store.createProject({ name: `bench-${p}` })).id);
    template = (await store.createEnvironment({ projectId: projectIds[0]!, name: 'env-0', runtime: 'docker', settings: DEFAULT_ENVIRONMENT_SETTINGS })).id;
    for (let s = 0; s < shape.servicesPerEnvironment; s++) {
      await store.createService({
        environmentId: template,
        name: `svc-${s}`,
        type: 'container',
        source: { image: { name: `registry.example/team/svc-${s}`, tag: 'v1' } },
        settings: { ...DEFAULT_SERVICE_SETTINGS, ports: [{ containerPort: 8080, public: s === 0, protocol: 'http' }], env: [{ key: 'GREETING', value: 'hello', secret: false }] },
      });
    }
    if (shape.deployed) for (const service of await store.listServices(template)) await recordDeploy(store, service);
  } finally {
    await store.close();
  }

  const { db } = await openDatabase(options);
  const secrets = await openSecretBox(options);
  const ids = [template];
  try {
    const environment = await db.selectFrom('environments').selectAll().where('id', '=', template).executeTakeFirstOrThrow();
    const services = await db.selectFrom('services').selectAll().where('environment_id', '=', template).execute();
    // The template's deployed specs in clear, by service name, to seal again for each copy.
    const specRows = await db.selectFrom('service_deployed_specs').selectAll().where('service_id', 'in', [...services.map((r) => r.id), '']).execute();
    const specOf = new Map(specRows.map((r) => [services.find((row) => row.id === r.service_id)!.name, secrets.decrypt(r.spec, deployedSpecContext(r.service_id))]));
    // JSON columns: text from SQLite, parsed jsonb from PostgreSQL; written back as text.
    const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
    type EnvironmentRow = Omit<typeof environment, 'settings' | 'preview'> & { settings: string; preview: null };
    type ServiceRow = Omit<(typeof services)[number], 'settings' | 'source'> & { settings: string; source: string };
    let environments: EnvironmentRow[] = [];
    let serviceRows: ServiceRow[] = [];
    let sealedSpecs: Array<{ service_id: string; spec: string }> = [];
    const flush = async (): Promise<void> => {
      await db.transaction().execute(async (trx) => {
        if (environments.length > 0) await trx.insertInto('environments').values(environments).execute();
        for (let i = 0; i < serviceRows.length; i += BATCH_ROWS) await trx.insertInto('services').values(serviceRows.slice(i, i + BATCH_ROWS)).execute();
        for (let i = 0; i < sealedSpecs.length; i += BATCH_ROWS) await trx.insertInto('service_deployed_specs').values(sealedSpecs.slice(i, i + BATCH_ROWS)).execute();
      });
      environments = [];
      serviceRows = [];
      sealedSpecs = [];
    };
    for (let p = 0; p < shape.projects; p++) {
      for (let e = 0; e < shape.environmentsPerProject; e++) {
        if (p === 0 && e === 0) continue;
        const id = randomUUID();
        ids.push(id);
        environments.push({ ...environment, settings: asText(environment.settings), preview: null, id, project_id: projectIds[p]!, name: `env-${e}` });
        for (const service of services) {
          const copy = randomUUID();
          serviceRows.push({ ...service, settings: asText(service.settings), source: asText(service.source), id: copy, environment_id: id });
          const spec = specOf.get(service.name);
          if (spec !== undefined) sealedSpecs.push({ service_id: copy, spec: secrets.encrypt(spec, deployedSpecContext(copy)) });
        }
        if (environments.length >= BATCH_ROWS / shape.servicesPerEnvironment) await flush();
      }
    }
    await flush();
  } finally {
    await db.destroy();
  }
  return ids;
}

/**
 * What the engine records when a deploy of the service succeeds (src/engine/kinds/container-like.ts):
 * its version, spec hash and spec. The history of specs by digest, which only deployments'
 * records read, is left empty in the copies.
 */
async function recordDeploy(store: Store, service: Service): Promise<void> {
  const spec = desiredSpec(service, `registry.example/team/${service.name}@sha256:${'0'.repeat(64)}`);
  const rollout = { ...spec, specHash: specHash(spec), version: 'v1', startTimeoutSeconds: service.settings.startTimeoutSeconds, secretEnvKeys: [] };
  await store.setDeployedState(service.id, { deployedVersion: 'v1', deployedSpecHash: rollout.specHash, deployedSpec: deployedSpecOf(service, rollout) });
}
