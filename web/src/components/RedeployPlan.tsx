import type { Service, ServiceSource } from '../api/types.js';
import { shortVersion } from '../format.js';
import { useSession } from '../session.js';
import { ErrorNote, Loading, useLoad } from './Async.js';
import { pendingFieldsText } from './PendingBadge.js';

/** What a never-deployed service's source names, since it has no version yet. */
function sourceVersion(source: ServiceSource): string {
  if ('jobType' in source) return sourceVersion(source.source);
  if ('engine' in source) return `${source.engine} ${source.version}`;
  if ('git' in source) return `head of ${source.git.branch}`;
  return source.image.tag;
}

/**
 * The version a Redeploy deploys (docs/actions.md#the-version-deployed-is-the-version-shown): the
 * target version, else the deployed one; only a never-deployed service takes what its source names.
 */
export function versionToDeploy(service: Service): string {
  const version = service.targetVersion ?? service.deployedVersion;
  return version ? shortVersion(version) : sourceVersion(service.source);
}

function changesText(service: Service): string | null {
  if (service.pendingChanges === undefined) return null; // a server that does not tell
  return service.pendingChanges ? `changes: ${pendingFieldsText(service)}` : 'no changes';
}

/**
 * The services an environment Redeploy touches (docs/actions.md#what-each-action-does): every live
 * one not skipped.
 */
function touchedByEnvironmentRedeploy(services: Service[]): Service[] {
  return services.filter((s) => s.state !== 'DELETED' && !s.skipEnvironmentActions);
}

/**
 * In the Redeploy confirmation: per service it will touch, the version it will deploy and the
 * pending changes it will apply, read fresh when the confirmation opens.
 */
export function RedeployPlan({ level, id }: { level: 'service' | 'environment'; id: string }) {
  const { client } = useSession();
  const { data, error } = useLoad(
    async () => (level === 'service' ? [await client.service(id)] : touchedByEnvironmentRedeploy(await client.services(id))),
    [client, level, id],
  );
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="what Redeploy will apply" />;
  if (data.length === 0) return <p className="muted">No service to redeploy.</p>;
  return (
    <ul className="redeploy-plan" aria-label="What Redeploy will deploy">
      {data.map((s) => {
        const changes = changesText(s);
        return (
          <li key={s.id} data-service={s.name}>
            <strong>{s.name}</strong>
            <span>
              version <code data-testid="plan-version">{versionToDeploy(s)}</code>
            </span>
            {changes ? (
              <span data-testid="plan-changes" className={s.pendingChanges ? 'plan-pending' : 'muted'}>
                {changes}
              </span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
