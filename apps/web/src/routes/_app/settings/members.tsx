// Settings → Members: who is in the organization, the seat usage bar, and
// (owners) adding an existing account by email with a role, or removing
// someone. Each member beyond the owner takes a seat; at the plan's limit
// the server answers QUOTA_EXCEEDED and the page offers the upgrade.
import { billingErrorOf, UsageBar, UsageBarSkeleton, useBilling, useBillingErrors, useBillingQuery } from "@billing/react";
import { createFileRoute } from "@tanstack/react-router";
import { useAction } from "convex/react";
import { useState, type FormEvent } from "react";
import { LimitNotice } from "../../../components/LimitNotice";
import { api } from "../../../lib/api";
import { authClient } from "../../../lib/auth";

export const Route = createFileRoute("/_app/settings/members")({ component: MembersPage });

type AddError = { kind: "limit"; featureId: string; message: string } | { kind: "other"; message: string };

function SeatUsage() {
  const { billing } = useBilling();
  const seats = billing?.balances.find((b) => b.featureId === "seats");
  if (!billing) return <UsageBarSkeleton />;
  if (!seats) return <p className="muted">Your plan doesn't limit seats.</p>;
  return (
    <div data-testid="seat-usage">
      <UsageBar label="Seats" usage={seats.usage} granted={seats.granted} unlimited={seats.unlimited} display={{ singular: "seat", plural: "seats" }} />
      <p className="muted small hint">The owner doesn't take a seat; everyone else does.</p>
    </div>
  );
}

function AddMemberForm() {
  const addMember = useAction(api.members.members.addMember);
  const { describe } = useBillingErrors();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AddError | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setAdded(null);
    try {
      await addMember({ email, role, requestId: crypto.randomUUID() });
      setAdded(email.trim());
      setEmail("");
    } catch (err) {
      const data = billingErrorOf(err);
      if (data.code === "QUOTA_EXCEEDED") {
        setError({ kind: "limit", featureId: typeof data.details.featureId === "string" ? data.details.featureId : "seats", message: describe(err).message });
      } else if (data.code === "INVALID_ARGUMENT" || data.code === "CONFLICT") {
        // The server's own words are the useful ones here ("Enter a valid email address", "They are already a member…").
        setError({ kind: "other", message: data.message || describe(err).message });
      } else {
        setError({ kind: "other", message: describe(err).message });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel form" onSubmit={(e) => void onSubmit(e)} aria-labelledby="add-member-title">
      <h2 id="add-member-title" className="panel__title">Add a member</h2>
      <p className="muted small">They need an account already — ask them to sign up with this email first.</p>
      <div className="form__row">
        <label className="grow">
          Email
          <input type="email" name="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.target.value === "admin" ? "admin" : "member")}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        <button type="submit" disabled={busy || !email.trim()}>{busy ? "Adding…" : "Add member"}</button>
      </div>
      {/* The same words whether or not the email has an account (no account enumeration). */}
      {added ? <p role="status" className="success">Done. If {added} has an account, they're a member now; if not, ask them to sign up with that address and add them again.</p> : null}
      {error?.kind === "limit" ? <LimitNotice featureId={error.featureId} message={error.message} onDismiss={() => setError(null)} /> : null}
      {error?.kind === "other" ? <p role="alert" className="error">{error.message}</p> : null}
    </form>
  );
}

function MembersPage() {
  const members = useBillingQuery(api.members.members.listMembers, {});
  const removeMember = useAction(api.members.members.removeMember);
  const { canManage } = useBilling();
  const { describe } = useBillingErrors();
  const { data: session } = authClient.useSession();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function remove(memberId: string) {
    setRemoving(memberId);
    setError(null);
    try {
      await removeMember({ memberId });
    } catch (err) {
      setError(describe(err).message);
    } finally {
      setRemoving(null);
      setConfirming(null);
    }
  }

  return (
    <div className="page">
      <header className="page__header">
        <h1>Members</h1>
        <p className="muted">People in this organization and the seats they use.</p>
      </header>

      <section className="panel" aria-labelledby="seats-title">
        <h2 id="seats-title" className="panel__title">Seats</h2>
        <SeatUsage />
      </section>

      {canManage ? <AddMemberForm /> : null}

      <section className="panel" aria-labelledby="members-title">
        <h2 id="members-title" className="panel__title">
          Members {members.data ? <span className="count">{members.data.length}</span> : null}
        </h2>
        {!canManage ? <p className="note" role="note">Only the owner can add or remove members.</p> : null}
        {error ? <p role="alert" className="error">{error}</p> : null}
        {members.status === "error" ? <p role="alert" className="error">{describe(members.error).message}</p> : null}
        {members.status === "loading" ? <p className="muted" aria-busy="true">Loading members…</p> : null}
        {members.data ? (
          <ul className="member-list" data-testid="member-list">
            {members.data.map((m) => (
              <li key={m.memberId} className="member" data-testid="member" data-email={m.email}>
                <span className="avatar" aria-hidden="true">{(m.name || m.email).slice(0, 1).toUpperCase()}</span>
                <span className="member__who">
                  <span className="member__name">{m.name}{m.userId === session?.user.id ? <span className="muted"> (you)</span> : null}</span>
                  <span className="member__email muted">{m.email}</span>
                </span>
                <span className={`role role--${m.role}`}>{m.role}</span>
                {canManage && m.role !== "owner" ? (
                  confirming === m.memberId ? (
                    <span className="member__actions">
                      <button type="button" className="button--danger" disabled={removing === m.memberId} onClick={() => void remove(m.memberId)}>
                        {removing === m.memberId ? "Removing…" : "Confirm remove"}
                      </button>
                      <button type="button" className="link" onClick={() => setConfirming(null)}>Cancel</button>
                    </span>
                  ) : (
                    <span className="member__actions">
                      <button type="button" className="button--secondary" aria-label={`Remove ${m.email}`} onClick={() => setConfirming(m.memberId)}>Remove</button>
                    </span>
                  )
                ) : <span className="member__actions" />}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  );
}
