import { useState } from 'react';
import type { DeploymentDetail, RollbackPreview } from '../api/types.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { shortVersion } from '../format.js';
import { ConfirmDialog } from './Dialog.js';
import { watchRequest } from './RequestOutcomes.js';
import { useToast } from './Toasts.js';

/**
 * "Roll back" on a successful deployment: asks the server what the rollback would change (each
 * service's version and the settings it puts back), shows it, and queues the rollback once
 * confirmed; then opens the new deployment.
 */
export function RollbackButton({ deployment }: { deployment: DeploymentDetail }) {
  const { client } = useSession();
  const toast = useToast();
  const [preview, setPreview] = useState<RollbackPreview | null>(null);
  const [loading, setLoading] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const open = () => {
    setLoading(true);
    setRefusal(null);
    client.rollbackPreview(deployment.id).then(
      (p) => {
        setLoading(false);
        setPreview(p);
      },
      (err: unknown) => {
        setLoading(false);
        setRefusal(err instanceof Error ? err.message : String(err));
      },
    );
  };

  const confirm = () => {
    setBusy(true);
    setError(null);
    client.rollback(deployment.id).then(
      (accepted) => {
        watchRequest(accepted.deploymentId);
        toast(accepted.position === 0 ? 'Rollback started' : `Rollback queued (position ${accepted.position})`);
        setPreview(null);
        navigate(`/deployments/${accepted.deploymentId}`);
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };

  return (
    <>
      <button type="button" onClick={open} disabled={loading}>
        {loading ? 'Reading…' : 'Roll back to this deployment'}
      </button>
      {refusal ? (
        <p className="form-error" role="alert">
          {refusal}
        </p>
      ) : null}
      {preview ? (
        <ConfirmDialog
          title="Roll back to this deployment?"
          message="Each service below gets back the version and settings it had after this deployment, pinned to that version, and is deployed. The request is queued like any other action."
          confirmLabel="Roll back"
          busy={busy}
          error={error}
          onClose={() => setPreview(null)}
          onConfirm={confirm}
        >
          <ul className="rollback-changes" aria-label="What will change">
            {preview.changes.map((c) => (
              <li key={c.serviceId} data-service={c.name}>
                <strong>{c.name}</strong>: <code>{shortVersion(c.fromVersion)}</code> → <code>{shortVersion(c.toVersion)}</code>
                {c.fields.length > 0 ? <span> · puts back {c.fields.join(', ')}</span> : <span className="muted"> · settings unchanged</span>}
              </li>
            ))}
          </ul>
          {preview.skipped.length > 0 ? (
            <p className="muted">
              Left alone: {preview.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}.
            </p>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
