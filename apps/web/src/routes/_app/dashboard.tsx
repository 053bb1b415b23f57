// The metered chat demo: pick a standard or premium model, send a prompt,
// get a canned reply. Every send is charged to the org through the billing
// module (standard_messages / premium_messages); the usage bars are the
// cached balances, so they move by themselves as messages are confirmed.
// At the limit the server answers QUOTA_EXCEEDED and the page offers the
// upgrade instead of failing quietly.
import { billingErrorOf, UsageBar, UsageBarSkeleton, useBilling, useBillingErrors, useBillingQuery, useUpgrade } from "@billing/react";
import { createFileRoute } from "@tanstack/react-router";
import { useAction } from "convex/react";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { LimitNotice } from "../../components/LimitNotice";
import { api, MODELS, type ModelId } from "../../lib/api";

export const Route = createFileRoute("/_app/dashboard")({ component: Dashboard });

const MODEL_IDS = Object.keys(MODELS) as ModelId[];
const METERED = ["standard_messages", "premium_messages"] as const;
const FEATURE_LABELS: Record<(typeof METERED)[number], string> = {
  standard_messages: "Standard messages",
  premium_messages: "Premium messages",
};

type SendError = { kind: "limit"; featureId: string; message: string; limitType?: string } | { kind: "other"; message: string };

function Usage() {
  const { billing, status, provisioning } = useBilling();
  const { openBillingTab } = useUpgrade();
  if (!billing || !billing.provisioned) {
    return (
      <div className="usage-grid" aria-busy="true">
        {provisioning ? <p className="muted" role="status">Setting up billing for this organization…</p> : null}
        {METERED.map((f) => <UsageBarSkeleton key={f} />)}
      </div>
    );
  }
  const credits = billing.balances.find((b) => b.featureId === "ai_credits");
  return (
    <div className="usage-grid" data-status={status}>
      {METERED.map((featureId) => {
        const b = billing.balances.find((x) => x.featureId === featureId);
        if (!b) {
          return (
            <div key={featureId} className="usage-missing" data-testid={`usage-${featureId}`}>
              <span className="usage-missing__label">{FEATURE_LABELS[featureId]}</span>
              <span className="muted">
                Not in your plan{credits ? " — paid from AI credits" : ""}.{" "}
                <button type="button" className="link" onClick={openBillingTab}>See plans</button>
              </span>
            </div>
          );
        }
        return (
          <div key={featureId} data-testid={`usage-${featureId}`}>
            {/* No unit after the numbers: the label already names the feature (and it fits a phone). */}
            <UsageBar label={b.name} usage={b.usage} granted={b.granted} unlimited={b.unlimited} nextResetAt={b.nextResetAt} overageAllowed={b.overageAllowed} />
          </div>
        );
      })}
      {credits ? (
        <div data-testid="usage-ai_credits">
          <UsageBar label={credits.name} usage={credits.usage} granted={credits.granted} unlimited={credits.unlimited} nextResetAt={credits.nextResetAt} />
        </div>
      ) : null}
    </div>
  );
}

function Dashboard() {
  const messages = useBillingQuery(api.chat.chat.listMessages, {});
  const sendMessage = useAction(api.chat.chat.sendMessage);
  const { describe } = useBillingErrors();
  const [model, setModel] = useState<ModelId>("swift-mini");
  const [prompt, setPrompt] = useState("");
  const [pending, setPending] = useState<{ prompt: string; model: ModelId } | null>(null);
  const [error, setError] = useState<SendError | null>(null);
  const listRef = useRef<HTMLOListElement>(null);

  const ordered = messages.data ? [...messages.data].reverse() : [];
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [ordered.length, pending]);

  async function send(e?: FormEvent<HTMLFormElement>) {
    e?.preventDefault();
    const text = prompt.trim();
    if (!text || pending) return;
    setPending({ prompt: text, model });
    setError(null);
    try {
      await sendMessage({ model, prompt: text, requestId: crypto.randomUUID() });
      setPrompt((current) => (current.trim() === text ? "" : current)); // keep what was typed meanwhile
    } catch (err) {
      const data = billingErrorOf(err);
      const info = describe(err);
      if (data.code === "QUOTA_EXCEEDED" || data.code === "FEATURE_NOT_AVAILABLE") {
        const featureId = typeof data.details.featureId === "string" ? data.details.featureId : MODELS[model].featureId;
        setError({ kind: "limit", featureId, message: info.message, ...(typeof data.details.limitType === "string" ? { limitType: data.details.limitType } : {}) });
      } else {
        setError({ kind: "other", message: info.message });
      }
    } finally {
      setPending(null);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  return (
    <div className="page page--dashboard">
      <header className="page__header">
        <h1>Dashboard</h1>
        <p className="muted">Chat with a model. Every message is metered against your organization's plan.</p>
      </header>

      <section aria-labelledby="usage-title" className="panel">
        <h2 id="usage-title" className="panel__title">Usage this period</h2>
        <Usage />
      </section>

      <section aria-labelledby="chat-title" className="panel chat">
        <h2 id="chat-title" className="panel__title">Chat</h2>
        <ol className="chat__list" ref={listRef} aria-live="polite" aria-busy={messages.status === "loading"} data-testid="messages">
          {messages.status === "loading" ? <li className="muted chat__empty">Loading messages…</li> : null}
          {messages.status === "error" ? <li className="error chat__empty">{describe(messages.error).message}</li> : null}
          {messages.status === "success" && ordered.length === 0 && !pending ? (
            <li className="muted chat__empty">No messages yet. Say hello!</li>
          ) : null}
          {ordered.map((m) => (
            <li key={m._id} className="chat__turn" data-testid="message">
              <p className="bubble bubble--me">{m.prompt}</p>
              <div className="bubble bubble--bot">
                <span className={`model-tag model-tag--${m.feature === "premium_messages" ? "premium" : "standard"}`}>
                  {MODELS[m.model as ModelId]?.name ?? m.model}
                </span>
                <p>{m.reply}</p>
              </div>
            </li>
          ))}
          {pending ? (
            <li className="chat__turn chat__turn--pending">
              <p className="bubble bubble--me">{pending.prompt}</p>
              <div className="bubble bubble--bot"><span className="typing" aria-label="Waiting for the reply"><i /><i /><i /></span></div>
            </li>
          ) : null}
        </ol>

        {error?.kind === "limit" ? (
          <LimitNotice featureId={error.featureId} message={error.message} {...(error.limitType ? { limitType: error.limitType } : {})} onDismiss={() => setError(null)} />
        ) : null}
        {error?.kind === "other" ? <p role="alert" className="error">{error.message}</p> : null}

        <form className="chat__form" onSubmit={(e) => void send(e)}>
          <fieldset className="model-picker">
            <legend className="sr-only">Model</legend>
            {MODEL_IDS.map((id) => (
              <label key={id} className="model-picker__option" data-checked={model === id || undefined}>
                <input type="radio" name="model" value={id} checked={model === id} onChange={() => setModel(id)} />
                <span className="model-picker__name">{MODELS[id].name}</span>
                <span className={`model-tag model-tag--${MODELS[id].tier}`}>{MODELS[id].tier}</span>
              </label>
            ))}
          </fieldset>
          <div className="chat__compose">
            <label htmlFor="prompt" className="sr-only">Message</label>
            <textarea
              id="prompt"
              name="prompt"
              rows={2}
              maxLength={2000}
              placeholder={`Message ${MODELS[model].name}…`}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              onKeyDown={onKeyDown}
            />
            <button type="submit" disabled={!prompt.trim() || pending !== null}>{pending ? "Sending…" : "Send"}</button>
          </div>
        </form>
      </section>
    </div>
  );
}
