// Custom branding: a plan feature (custom_branding, Pro and Team). The
// <BillingGuard> shows the form only when the org's plan includes it; on
// other plans owners get "Upgrade" and everyone else "Ask an owner". The
// server enforces the same rule when saving (convex/branding).
import { BillingGuard, formatDateTime, useBilling, useBillingErrors, useBillingQuery } from "@billing/react";
import { createFileRoute } from "@tanstack/react-router";
import { useMutation } from "convex/react";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../lib/api";

export const Route = createFileRoute("/_app/branding")({ component: BrandingPage });

function BrandingPage() {
  return (
    <div className="page">
      <header className="page__header">
        <h1>Branding</h1>
        <p className="muted">Your organization's colour and logo text, shown across the dashboard.</p>
      </header>
      <BillingGuard
        featureId="custom_branding"
        featureName="custom branding"
        loading={<div className="panel panel--placeholder" aria-busy="true"><p className="muted">Checking your plan…</p></div>}
      >
        <BrandingForm />
      </BillingGuard>
    </div>
  );
}

function BrandingForm() {
  const branding = useBillingQuery(api.branding.branding.getBranding, {});
  const save = useMutation(api.branding.branding.saveBranding);
  const { role } = useBilling();
  const { describe } = useBillingErrors();
  const canEdit = role === "owner" || role === "admin";
  const [color, setColor] = useState("#4f46e5");
  const [logoText, setLogoText] = useState("");
  const [loaded, setLoaded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ tone: "ok" | "error"; text: string } | null>(null);

  useEffect(() => {
    if (branding.data && !loaded) {
      setColor(branding.data.color);
      setLogoText(branding.data.logoText);
      setLoaded(true);
    }
  }, [branding.data, loaded]);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      await save({ color, logoText });
      setStatus({ tone: "ok", text: "Branding saved." });
    } catch (err) {
      setStatus({ tone: "error", text: describe(err).message });
    } finally {
      setBusy(false);
    }
  }

  const shownText = logoText.trim() || "Acme";
  return (
    <div className="branding">
      <form className="panel form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="branding-form-title">
        <h2 id="branding-form-title" className="panel__title">Brand settings</h2>
        {!canEdit && role ? <p className="note" role="note">Only owners and admins can change branding.</p> : null}
        <fieldset disabled={!canEdit || !loaded || busy}>
          <label>
            Brand colour
            <span className="color-field">
              <input type="color" value={color} onChange={(e) => setColor(e.target.value)} aria-describedby="color-hex" />
              <code id="color-hex">{color}</code>
            </span>
          </label>
          <label>
            Logo text
            <input value={logoText} maxLength={40} placeholder="Acme" onChange={(e) => setLogoText(e.target.value)} />
          </label>
        </fieldset>
        {status ? <p role={status.tone === "error" ? "alert" : "status"} className={status.tone === "error" ? "error" : "success"}>{status.text}</p> : null}
        {canEdit ? (
          <div className="row">
            <button type="submit" disabled={busy || !loaded}>{busy ? "Saving…" : "Save branding"}</button>
            {branding.data?.updatedAt ? <span className="muted small">Last saved {formatDateTime(branding.data.updatedAt)}</span> : null}
          </div>
        ) : null}
      </form>

      <section className="panel" aria-labelledby="preview-title">
        <h2 id="preview-title" className="panel__title">Preview</h2>
        <div className="brand-preview" style={{ ["--brand" as string]: color }} data-testid="brand-preview">
          <div className="brand-preview__bar">
            <span className="brand__mark" style={{ background: color }} aria-hidden="true">{shownText.slice(0, 1).toUpperCase()}</span>
            <strong>{shownText}</strong>
          </div>
          <div className="brand-preview__body">
            <p>Welcome back! Here is what's new.</p>
            <span className="brand-preview__button">Primary action</span>
          </div>
        </div>
      </section>
    </div>
  );
}
