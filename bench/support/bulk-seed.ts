import { randomUUID } from 'node:crypto';
import { DEFAULT_ENVIRONMENT_SETTINGS, DEFAULT_SERVICE_SETTINGS } from '../../src/domain/index.js';
import { createStore, type StoreOptions } from '../../src/store/create-store.js';
import { openDatabase } from '../../src/store/dialect.js';

const BATCH_ROWS = 500;

/**
 * Many environments of `servicesPerEnvironment` services, quickly: one environment of services
 * is written through the store (so every row is as the store writes it), then copied under new
 * ids and names in multi-row inserts of BATCH_ROWS. The copied rows hold no sealed value (no
 * secret env, no git URL), so nothing bound to the template's ids is copied. Returns the
 * environment ids.
 */
export async function seedEnvironments(
  options: StoreOptions,
  shape: { projects: number; environmentsPerProject: number; servicesPerEnvironment: number },
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
  } finally {
    await store.close();
  }

  const { db } = openDatabase(options);
  const ids = [template];
  try {
    const environment = await db.selectFrom('environments').selectAll().where('id', '=', template).executeTakeFirstOrThrow();
    const services = await db.selectFrom('services').selectAll().where('environment_id', '=', template).execute();
    // JSON columns: text from SQLite, parsed jsonb from PostgreSQL; written back as text.
    const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
    type EnvironmentRow = Omit<typeof environment, 'settings' | 'preview'> & { settings: string; preview: null };
    type ServiceRow = Omit<(typeof services)[number], 'settings' | 'source'> & { settings: string; source: string };
    let environments: EnvironmentRow[] = [];
    let serviceRows: ServiceRow[] = [];
    const flush = async (): Promise<void> => {
      await db.transaction().execute(async (trx) => {
        if (environments.length > 0) await trx.insertInto('environments').values(environments).execute();
        for (let i = 0; i < serviceRows.length; i += BATCH_ROWS) await trx.insertInto('services').values(serviceRows.slice(i, i + BATCH_ROWS)).execute();
      });
      environments = [];
      serviceRows = [];
    };
    for (let p = 0; p < shape.projects; p++) {
      for (let e = 0; e < shape.environmentsPerProject; e++) {
        if (p === 0 && e === 0) continue;
        const id = randomUUID();
        ids.push(id);
        environments.push({ ...environment, settings: asText(environment.settings), preview: null, id, project_id: projectIds[p]!, name: `env-${e}` });
        for (const service of services) serviceRows.push({ ...service, settings: asText(service.settings), source: asText(service.source), id: randomUUID(), environment_id: id });
        if (environments.length >= BATCH_ROWS / shape.servicesPerEnvironment) await flush();
      }
    }
    await flush();
  } finally {
    await db.destroy();
  }
  return ids;
}
