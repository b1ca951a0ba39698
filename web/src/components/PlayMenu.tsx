import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { offeredAt } from '../action-levels.js';
import { ApiRequestError } from '../api/client.js';
import type { ActionAvailability, ActionId } from '../api/types.js';
import { can, useSession } from '../session.js';
import { ACTION_LABEL, actionName } from '../status.js';
import { ConfirmDialog } from './Dialog.js';
import { placeMenu, type Placement } from './menu-placement.js';
import { RedeployPlan } from './RedeployPlan.js';
import { watchRequest } from './RequestOutcomes.js';
import { useToast } from './Toasts.js';

export interface PlayTarget {
  level: 'service' | 'environment';
  id: string;
  name: string;
  environmentId: string;
}

/** What role an action needs (docs/api.md#tokens-and-roles): Delete is admin-only, the rest deployer. */
function requiredRole(action: ActionId) {
  return action === 'DELETE' ? 'admin' : 'deployer';
}

/** Sends an action that needs no more input than a confirmation. */
export async function runAction(
  client: ReturnType<typeof useSession>['client'],
  target: PlayTarget,
  action: ActionId,
  options: { keepData?: boolean } = {},
) {
  const level = target.level === 'service' ? 'services' : 'environments';
  switch (action) {
    case 'CANCEL':
      // A service-level cancel cancels its environment's running request
      // (docs/queue-and-cancel.md#cancel).
      return client.act('environments', target.environmentId, 'cancel', {});
    case 'DELETE':
      return client.remove(level, target.id, options.keepData ?? false);
    case 'DEPLOY':
    case 'REDEPLOY':
    case 'STOP':
    case 'RESTART':
      return client.act(level, target.id, action.toLowerCase());
    default:
      throw new Error(`${action} needs a panel`);
  }
}

export function describeAccepted(action: string, name: string, result: { position: number; merged: boolean }): string {
  const what = `${actionName(action)} ${name}`;
  if (result.merged) return `${what}: merged into an identical waiting request (position ${result.position})`;
  if (result.position > 0) return `${what}: queued at position ${result.position}`;
  return `${what}: started`;
}

/**
 * The Play menu: the actions of `GET …/actions` that belong to the target's level, the
 * unavailable ones disabled with the API's reason; a chosen action is confirmed first (or opens
 * its panel).
 */
export function PlayMenu({
  target,
  onDeployVersion,
  onDeployLatest,
}: {
  target: PlayTarget;
  onDeployVersion?: () => void;
  onDeployLatest?: () => void;
}) {
  const { client, role } = useSession();
  const toast = useToast();
  const [open, setOpen] = useState(false);
  const [actions, setActions] = useState<ActionAvailability[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<ActionId | null>(null);
  const [busy, setBusy] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [keepData, setKeepData] = useState(false);
  const [position, setPosition] = useState<Placement | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) buttonRef.current?.focus();
  };

  const toggle = async () => {
    if (open) return close(false);
    setPosition(null);
    setOpen(true);
    setActions(null);
    setLoadError(null);
    try {
      const list = target.level === 'service' ? await client.serviceActions(target.id) : await client.environmentActions(target.id);
      setActions(list.filter((item) => offeredAt(item.action, target.level)));
    } catch (err) {
      setLoadError(err instanceof Error ? err.message : String(err));
    }
  };

  // Placed once its size is known (and again when the actions arrive): inside the viewport.
  useLayoutEffect(() => {
    const button = buttonRef.current?.getBoundingClientRect();
    const menu = menuRef.current;
    if (!open || !button || !menu) return;
    // Its natural size, not the one a previous maxHeight gave it.
    const size = { width: menu.offsetWidth, height: menu.scrollHeight };
    setPosition(placeMenu(button, size, { width: window.innerWidth, height: window.innerHeight }));
  }, [open, actions, loadError]);

  // Focus the first item once the list arrived.
  useLayoutEffect(() => {
    if (open && actions && position) menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [open, actions, position !== null]);

  // Outside clicks, scrolling and resizing close the menu (it is positioned on the viewport).
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      const t = event.target as Node;
      if (!menuRef.current?.contains(t) && !buttonRef.current?.contains(t)) setOpen(false);
    };
    const onMove = () => setOpen(false);
    // Only a scroll that moves the button: a live log panel scrolling elsewhere leaves the menu open.
    const onScroll = (event: Event) => {
      const t = event.target;
      if (t === document || (t instanceof Node && buttonRef.current && t.contains(buttonRef.current))) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    window.addEventListener('resize', onMove);
    window.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('resize', onMove);
      window.removeEventListener('scroll', onScroll, true);
    };
  }, [open]);

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    const focus = (i: number) => items[(i + items.length) % items.length]?.focus();
    if (event.key === 'ArrowDown') focus(index + 1);
    else if (event.key === 'ArrowUp') focus(index - 1);
    else if (event.key === 'Home') focus(0);
    else if (event.key === 'End') focus(items.length - 1);
    else if (event.key === 'Escape') close(true);
    else if (event.key === 'Tab') setOpen(false);
    else return;
    if (event.key !== 'Tab') event.preventDefault();
  };

  const choose = (item: ActionAvailability, allowed: boolean) => {
    if (!item.available || !allowed) return;
    setOpen(false);
    if (item.action === 'DEPLOY_VERSION') return onDeployVersion?.();
    if (item.action === 'DEPLOY_LATEST') return onDeployLatest?.();
    setSendError(null);
    setKeepData(false);
    setConfirming(item.action);
  };

  const confirm = async () => {
    if (!confirming) return;
    setBusy(true);
    setSendError(null);
    try {
      const result = await runAction(client, target, confirming, { keepData });
      watchRequest(result.deploymentId);
      toast(describeAccepted(confirming, target.name, result));
      setConfirming(null);
    } catch (err) {
      setSendError(err instanceof ApiRequestError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  const label = `Play actions for ${target.level} ${target.name}`;
  return (
    <div className="play">
      <button
        ref={buttonRef}
        type="button"
        className="play-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        onClick={() => void toggle()}
      >
        <span aria-hidden="true">▶</span> Play
      </button>
      {open ? (
        <div
          ref={menuRef}
          id={menuId}
          className="menu"
          role="menu"
          aria-label={`Actions for ${target.name}`}
          style={position ? { top: position.top, left: position.left, ...(position.maxHeight !== undefined ? { maxHeight: position.maxHeight } : {}) } : { top: 0, left: 0, visibility: 'hidden' }}
          onKeyDown={onMenuKey}
        >
          {loadError ? <p className="form-error">{loadError}</p> : null}
          {!actions && !loadError ? <p className="muted menu-loading">Loading actions…</p> : null}
          {actions?.map((item) => {
            const allowed = can(role, requiredRole(item.action));
            const reason = !item.available
              ? (item.reason ?? 'not available now')
              : !allowed
                ? `needs the ${requiredRole(item.action)} role; your token has the ${role} role`
                : null;
            const reasonId = `${menuId}-${item.action}`;
            return (
              <button
                key={item.action}
                type="button"
                role="menuitem"
                className="menu-item"
                data-action={item.action}
                aria-label={(ACTION_LABEL[item.action] ?? item.action).replace('…', '')}
                aria-disabled={reason ? true : undefined}
                aria-describedby={reason ? reasonId : undefined}
                tabIndex={-1}
                onClick={() => choose(item, allowed)}
              >
                <span className="menu-label">{ACTION_LABEL[item.action] ?? item.action}</span>
                {reason ? (
                  <span id={reasonId} className="menu-reason">
                    {reason}
                  </span>
                ) : null}
              </button>
            );
          })}
        </div>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={`${actionName(confirming)} ${target.name}?`}
          message={confirmText(confirming, target)}
          confirmLabel={actionName(confirming)}
          danger={confirming === 'DELETE' || confirming === 'STOP' || confirming === 'CANCEL'}
          busy={busy}
          error={sendError}
          onConfirm={() => void confirm()}
          onClose={() => setConfirming(null)}
        >
          {confirming === 'REDEPLOY' ? <RedeployPlan level={target.level} id={target.id} /> : null}
          {confirming === 'DELETE' ? (
            <label className="check">
              <input type="checkbox" checked={keepData} onChange={(e) => setKeepData(e.target.checked)} /> Keep the data volumes
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function confirmText(action: ActionId, target: PlayTarget): string {
  const what = target.level === 'service' ? `the service ${target.name}` : `every service of the environment ${target.name}`;
  switch (action) {
    case 'DEPLOY':
      return `Deploy ${what} for the first time.`;
    case 'REDEPLOY':
      return `Redeploy ${what} with its current configuration. Services without changes are left untouched.`;
    case 'STOP':
      return `Stop ${what}. Volumes, images and configuration are kept.`;
    case 'RESTART':
      return `Replace the instances of ${what} one by one, each gated on readiness.`;
    case 'CANCEL':
      return `Cancel the request running on the environment. Services already deployed by it keep their new version; the one mid-rollout goes back to its previous version.`;
    case 'DELETE':
      return `Delete ${what}: its containers are removed, and its volumes too unless you keep them.`;
    default:
      return `${actionName(action)} ${what}.`;
  }
}
