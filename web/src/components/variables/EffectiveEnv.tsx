import type { EffectiveVariable } from '../../api/types.js';
import { Link } from '../../router.js';
import { useSession } from '../../session.js';
import { ErrorNote, Loading, useLoad } from '../Async.js';
import '../../teams.css';

const SCOPE_LABEL: Record<EffectiveVariable['scope'], string> = {
  database: 'database connection',
  project: 'project',
  environment: 'environment',
  service: 'this service',
};

/**
 * A service's env as its next deploy runs it (`GET /services/{id}/env`): each name with its value
 * (secrets masked) and the scope it comes from, linked to where that scope is edited.
 */
export function EffectiveEnv({ serviceId, environmentId, projectId }: { serviceId: string; environmentId: string; projectId: string }) {
  const { client } = useSession();
  const { data, error } = useLoad(() => client.serviceEnv(serviceId), [client, serviceId]);
  if (error && !data) return <ErrorNote error={error} />;
  if (!data) return <Loading what="the env" />;
  const where: Record<EffectiveVariable['scope'], string | null> = {
    project: `/projects/${projectId}/variables`,
    environment: `/environments/${environmentId}#variables`,
    service: `/services/${serviceId}/edit`,
    database: null,
  };
  return (
    <>
      <p className="muted">
        As its next deploy runs it: the project&apos;s variables, overridden by the environment&apos;s, overridden by the service&apos;s own, plus the connections of the
        environment&apos;s databases.
      </p>
      {data.length === 0 ? (
        <p className="muted">No variable reaches this service.</p>
      ) : (
        <div className="table-wrap effective-env-wrap">
          <table className="table effective-env" aria-label="Effective environment variables">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {data.map((v) => {
                const href = where[v.scope];
                return (
                  <tr key={v.key} data-env={v.key}>
                    <th scope="row">
                      <code>{v.key}</code>
                    </th>
                    <td data-testid="env-value">
                      {v.secret ? (
                        <span className="secret-value">
                          <code>{v.value}</code> <span className="chip">secret</span>
                        </span>
                      ) : (
                        <code>{v.value}</code>
                      )}
                    </td>
                    <td data-testid="env-scope" data-scope={v.scope}>
                      {href ? <Link href={href}>{SCOPE_LABEL[v.scope]}</Link> : SCOPE_LABEL[v.scope]}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
