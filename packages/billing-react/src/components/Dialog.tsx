// An accessible modal: role="dialog" + aria-modal, labelled by its title,
// focus moved inside on open and trapped (Tab / Shift+Tab wrap), Esc and the
// backdrop close it, and focus returns to where it was on close.
import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  /** Buttons row at the bottom. */
  footer?: ReactNode;
  className?: string;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.hasAttribute("hidden"));
}

export function Dialog({ open, onClose, title, description, children, footer, className }: DialogProps) {
  const titleId = useId();
  const descriptionId = useId();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = panel.current;
    if (root) (focusables(root)[0] ?? root).focus();
    // The page behind a modal is inert (not focusable, not read): every other child of <body>.
    const backdrop = root?.parentElement ?? null;
    const behind = Array.from(document.body.children).filter((el) => el !== backdrop && !el.hasAttribute("inert"));
    for (const el of behind) el.setAttribute("inert", "");
    return () => {
      for (const el of behind) el.removeAttribute("inert");
      previous?.focus();
    };
  }, [open]);

  if (!open) return null;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    const items = focusables(panel.current);
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) { event.preventDefault(); panel.current.focus(); return; }
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === panel.current)) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  };

  return createPortal(
    <div className="billing-dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        tabIndex={-1}
        className={["billing-dialog", className].filter(Boolean).join(" ")}
        onKeyDown={onKeyDown}
      >
        <div className="billing-dialog__header">
          <h2 id={titleId} className="billing-dialog__title">{title}</h2>
          <button type="button" className="billing-icon-button" aria-label="Close" onClick={onClose}>×</button>
        </div>
        {description ? <p id={descriptionId} className="billing-dialog__description">{description}</p> : null}
        <div className="billing-dialog__body">{children}</div>
        {footer ? <div className="billing-dialog__footer">{footer}</div> : null}
      </div>
    </div>,
    document.body,
  );
}
