import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * The elements focused last, newest at the end. A dialog opened from a menu item opens as the menu
 * closes and the item leaves the page: focus then goes back to what was focused before it (the
 * menu's button), the control that opened the menu.
 */
const focusHistory: HTMLElement[] = [];
const HISTORY = 10;
if (typeof document !== 'undefined') {
  document.addEventListener('focusin', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement) || target.closest('dialog')) return;
    const at = focusHistory.indexOf(target);
    if (at >= 0) focusHistory.splice(at, 1);
    focusHistory.push(target);
    if (focusHistory.length > HISTORY) focusHistory.shift();
  });
}

/** The control a dialog closing now should give focus back to: the newest one still on the page. */
function returnFocusTo(): HTMLElement | null {
  for (let i = focusHistory.length - 1; i >= 0; i--) {
    const element = focusHistory[i]!;
    if (element.isConnected && !element.closest('dialog') && !(element as HTMLButtonElement).disabled) return element;
  }
  return null;
}

/** A modal dialog on the native <dialog>: focus is trapped, Escape closes, the title names it, and focus goes back to its opener. */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      closeRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      returnFocusTo()?.focus();
    };
  }, []);
  return (
    <dialog ref={ref} className={wide ? 'dialog dialog-wide' : 'dialog'} aria-labelledby={titleId}>
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** Asks before an action runs. */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  busy,
  error,
  onConfirm,
  onClose,
  children,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="dialog-body">
        <p>{message}</p>
        {children}
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
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy} autoFocus>
          {busy ? 'Sending…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
