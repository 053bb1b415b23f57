// One purchase intent per dialog open (issue 12): a random id made when the
// dialog opens (and again when what it would buy changes), sent with
// checkout / purchaseAddOn / cancelSubscription. A double click, a retry after
// an error or a lost answer repeat the same intent, so the server answers the
// first outcome instead of charging twice; reopening the dialog is a new one.
import { useState } from "react";

/** A fresh intent id: [A-Za-z0-9-]{36} (the server accepts 8–100 of [A-Za-z0-9_-]). */
export function newIntentId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The intent of the current opening: a new id each time `open` turns true or a `key` part changes. */
export function usePurchaseIntent(open: boolean, ...key: readonly unknown[]): string {
  const [intent, setIntent] = useState(newIntentId);
  const [seen, setSeen] = useState<{ open: boolean; key: readonly unknown[] }>({ open, key });
  const changed = seen.open !== open || seen.key.length !== key.length || seen.key.some((k, i) => !Object.is(k, key[i]));
  // Updated during render (React's "adjust state on prop change" pattern), so the very first confirm after opening already has the new id.
  if (changed) {
    setSeen({ open, key });
    if (open) setIntent(newIntentId());
  }
  return intent;
}
