import type { Instance } from '../../api/types.js';
import { formatTime, relativeTime, shortVersion } from '../../format.js';
import { formatBytes } from './MetricsCharts.js';

/** The service's instances now, as `GET …/instances` reports them. */
export function InstancesTable({ instances }: { instances: readonly Instance[] }) {
  if (instances.length === 0) return <p className="muted">No instance runs now.</p>;
  return (
    <div className="table-wrap">
      <table className="instances">
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Ready</th>
            <th scope="col">Restarts</th>
            <th scope="col">Last exit</th>
            <th scope="col">Started</th>
            <th scope="col">Node</th>
            <th scope="col">CPU</th>
            <th scope="col">Memory</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((i) => (
            <tr key={i.id} data-testid="instance-row" data-instance={i.id}>
              <th scope="row" data-label="Instance">
                <code title={i.id}>{i.name}</code>
              </th>
              <td data-label="Version">
                <code>{shortVersion(i.version)}</code>
              </td>
              <td data-label="State" data-testid="instance-state">
                {i.state}
              </td>
              <td data-label="Ready">{i.ready ? 'yes' : 'no'}</td>
              <td data-label="Restarts">{i.restarts}</td>
              <td data-label="Last exit">
                {i.exitCode === null ? '—' : `code ${i.exitCode}`}
                {i.oomKilled ? <span className="badge tone-error"> out of memory</span> : null}
              </td>
              <td data-label="Started">
                {i.startedAt ? (
                  <time dateTime={i.startedAt} title={formatTime(i.startedAt)}>
                    {relativeTime(i.startedAt)}
                  </time>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Node">{i.node ?? '—'}</td>
              <td data-label="CPU">{i.cpuPercent === undefined ? '—' : `${i.cpuPercent.toFixed(1)} %`}</td>
              <td data-label="Memory">
                {i.memoryBytes === undefined ? '—' : formatBytes(i.memoryBytes)}
                {i.memoryLimitBytes !== undefined ? <span className="muted"> / {formatBytes(i.memoryLimitBytes)}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
