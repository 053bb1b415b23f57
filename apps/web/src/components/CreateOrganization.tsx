// Creating an organization (it becomes the active one; billing is
// provisioned for it in the background on the free plan).
import { useState, type FormEvent } from "react";
import { authClient } from "../lib/auth";

export function CreateOrganization({ onCreated }: { onCreated?: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get("name") ?? "").trim();
    if (!name) return;
    setBusy(true);
    setError(null);
    const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-${Math.random().toString(36).slice(2, 6)}`;
    const result = await authClient.organization.create({ name, slug });
    setBusy(false);
    if (result.error) setError(result.error.message ?? "Could not create the organization");
    else onCreated?.();
  }

  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="create-org-title">
      <h2 id="create-org-title">Create an organization</h2>
      <p className="muted">Billing belongs to the organization. You will be its owner.</p>
      <label>Organization name<input name="name" required maxLength={80} /></label>
      {error && <p role="alert" className="error">{error}</p>}
      <button type="submit" disabled={busy}>Create organization</button>
    </form>
  );
}
