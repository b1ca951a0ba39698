import { useEffect, useId, useMemo, useState } from 'react';
import { ApiRequestError } from '../api/client.js';
import type { Service, VersionItem } from '../api/types.js';
import { formatTime, shortVersion } from '../format.js';
import { useSession } from '../session.js';
import { Dialog } from './Dialog.js';
import { describeAccepted } from './PlayMenu.js';
import { watchRequest } from './RequestOutcomes.js';
import { useToast } from './Toasts.js';

function versionOf(item: VersionItem): string {
  return 'tag' in item ? item.tag : item.sha;
}

function searchable(item: VersionItem): string {
  return ('tag' in item ? item.tag : `${item.sha} ${item.message} ${item.author}`).toLowerCase();
}

/** Deploy other version: the registry's tags or the branch's commits, searchable; the picked one is deployed. */
export function VersionsPanel({ service, onClose }: { service: Service; onClose: () => void }) {
  const { client } = useSession();
  const toast = useToast();
  const [items, setItems] = useState<VersionItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const searchId = useId();

  useEffect(() => {
    client.versions(service.id).then(
      (list) => setItems(list),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [client, service.id]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (items ?? []).filter((i) => !q || searchable(i).includes(q));
  }, [items, query]);

  const deploy = async () => {
    if (!picked) return;
    setBusy(true);
    setError(null);
    try {
      const result = await client.act('services', service.id, 'deploy', { version: picked });
      watchRequest(result.deploymentId);
      toast(describeAccepted('DEPLOY_VERSION', `${service.name} ${shortVersion(picked)}`, result));
      onClose();
    } catch (err) {
      setError(err instanceof ApiRequestError ? `${err.code}: ${err.message}${err.details.map((d) => ` (${d.message})`).join('')}` : String(err));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Deploy other version of ${service.name}`} onClose={onClose} wide>
      <div className="dialog-body">
        <p className="muted">
          Deployed: <code>{shortVersion(service.deployedVersion)}</code>
          {service.targetVersion && service.targetVersion !== service.deployedVersion ? (
            <>
              {' '}
              · target <code>{shortVersion(service.targetVersion)}</code>
            </>
          ) : null}
        </p>
        <label htmlFor={searchId}>Search versions</label>
        <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="tag, commit, message or author" autoFocus />
        {!items && !error ? <p className="muted" role="status">Loading versions…</p> : null}
        {items && items.length === 0 ? <p className="muted">The API lists no versions for this service.</p> : null}
        {items && items.length > 0 ? (
          <fieldset className="version-list">
            <legend className="visually-hidden">Versions</legend>
            {shown.map((item) => {
              const v = versionOf(item);
              return (
                <label key={v} className={picked === v ? 'version picked' : 'version'}>
                  <input type="radio" name="version" value={v} checked={picked === v} onChange={() => setPicked(v)} />
                  {'tag' in item ? (
                    <span className="version-main">
                      <code>{item.tag}</code>
                      {v === service.deployedVersion ? <> <span className="chip">deployed</span></> : null}
                    </span>
                  ) : (
                    <span className="version-main">
                      <code>{item.sha.slice(0, 7)}</code> {item.message.split('\n')[0]}
                      <span className="muted">
                        {' '}
                        — {item.author}, {formatTime(item.date)}
                      </span>
                      {v === service.deployedVersion ? <> <span className="chip">deployed</span></> : null}
                    </span>
                  )}
                </label>
              );
            })}
            {shown.length === 0 ? <p className="muted">No version matches “{query}”.</p> : null}
          </fieldset>
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
        <button type="button" className="primary" disabled={!picked || busy} onClick={() => void deploy()}>
          {picked ? `Deploy ${shortVersion(picked)}` : 'Pick a version'}
        </button>
      </div>
    </Dialog>
  );
}
