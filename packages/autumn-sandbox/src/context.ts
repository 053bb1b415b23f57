// What every operation needs from the running sandbox: the state, the
// (virtual) clock, the public URL of the hosted pages, and the webhook
// outbox. Handlers receive it instead of reaching for globals, so tests can
// run several sandboxes side by side.

import type { CustomerRecord, SandboxState } from "./state.js";

export interface WebhookEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface Ctx {
  readonly state: SandboxState;
  /** Sandbox time for a customer: real time + global offset + the customer's own test clock. */
  now(customer?: CustomerRecord | null): number;
  /** Base URL of hosted pages (checkout, portal, invoices). */
  readonly publicUrl: string;
  /** Real-time delay between a successful payment and the plan activating. */
  readonly settlementDelayMs: number;
  emit(event: WebhookEvent): void;
  /** The org's multi-currency setting when configured; null = on iff the catalog has additional_currencies. */
  readonly multiCurrency: boolean | null;
  /** `x-api-version` of the request being handled, when it sent one. */
  readonly apiVersion?: string;
}
