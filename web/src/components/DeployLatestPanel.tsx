import { useEffect, useState } from 'react';
import { ApiRequestError } from '../api/client.js';
import type { OutdatedService } from '../api/types.js';
import { shortVersion } from '../format.js';
import { useSession } from '../session.js';
import { Dialog } from './Dialog.js';
import { describeAccepted } from './PlayMenu.js';
import { watchRequest } from './RequestOutcomes.js';
import { useToast } from './Toasts.js';

/** Deploy latest version: the git services whose deployed commit is not their branch head, to tick and deploy. */
export function DeployLatestPanel({ environmentId, environmentName, onClose }: { environmentId: string; environmentName: string; onClose: () => void }) {
  const { client } = useSession();
  const toast = useToast();
  const [items, setItems] = useState<OutdatedService[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    client.outdated(environmentId).then(
      (list) => {
        setItems(list);
        setChosen(new Set(list.map((s) => s.id)));
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [client, environmentId]);

  const toggle = (id: string, on: boolean) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const deploy = async () => {
    setBusy(true);
    setError(null);
    try {
      const ids = (items ?? []).filter((s) => chosen.has(s.id)).map((s) => s.id);
      const result = await client.deployLatest(environmentId, ids);
      watchRequest(result.deploymentId);
      toast(describeAccepted('DEPLOY_LATEST', `${ids.length} service${ids.length === 1 ? '' : 's'}`, result));
      onClose();
    } catch (err) {
      setError(err instanceof ApiRequestError ? `${err.code}: ${err.message}` : String(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Deploy latest version in ${environmentName}`} onClose={onClose} wide>
      <div className="dialog-body">
        {!items && !error ? <p className="muted" role="status">Loading outdated services…</p> : null}
        {items && items.length === 0 ? <p className="muted">Every git service runs the head of its branch: nothing to deploy.</p> : null}
        {items && items.length > 0 ? (
          <table className="table">
            <caption className="visually-hidden">Outdated git services</caption>
            <thead>
              <tr>
                <th scope="col">Deploy</th>
                <th scope="col">Service</th>
                <th scope="col">Branch</th>
                <th scope="col">Deployed</th>
                <th scope="col">Latest</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Deploy the latest version of ${s.name}`}
                      checked={chosen.has(s.id)}
                      onChange={(e) => toggle(s.id, e.target.checked)}
                    />
                  </td>
                  <td>{s.name}</td>
                  <td>{s.branch}</td>
                  <td>
                    <code>{shortVersion(s.deployedVersion)}</code>
                  </td>
                  <td>
                    <code>{shortVersion(s.latestVersion)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Back
        </button>
        <button type="button" className="primary" disabled={busy || chosen.size === 0 || !items?.length} onClick={() => void deploy()}>
          Deploy {chosen.size} selected
        </button>
      </div>
    </Dialog>
  );
}
