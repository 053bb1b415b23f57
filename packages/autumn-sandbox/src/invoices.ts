// Invoices (autumn-controls.md §5, §9): `invoices.list` with cursor
// pagination (newest first, by created_at then id; limit default 50, max
// 1000; a malformed cursor is 400) and `invoices.pay` [SDK-only], which marks
// an OPEN invoice paid out of band (no charge is attempted; an already paid
// invoice comes back unchanged; draft/void are 400). Once a customer has no
// open invoice left, its past-due subscriptions are current again and
// billing.updated says so, as when Stripe's retry succeeds (checkout.ts).
import { z } from "zod";
import type { Ctx } from "./context.js";
import { ApiError, badRequest, invalid } from "./errors.js";
import { requireCustomer } from "./customers.js";
import { announce } from "./planChanges.js";
import type { CustomerRecord, Invoice } from "./state.js";

const MAX_LIMIT = 1000;

export function renderInvoice(ctx: Ctx, c: CustomerRecord, i: Invoice): Record<string, unknown> {
  return {
    id: i.id,
    customer_id: c.id,
    entity_id: null,
    plan_ids: i.plan_ids,
    stripe_id: i.id,
    processor_type: "stripe",
    status: i.status,
    total: i.total,
    currency: i.currency,
    created_at: i.created_at,
    hosted_invoice_url: `${ctx.publicUrl}/invoices/${i.id}`,
    amount_paid: i.status === "paid" ? i.total : i.status === "open" ? 0 : null,
    refunded_amount: i.status === "refunded" ? i.total : 0,
  };
}

const encode = (createdAt: number, id: string): string => Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");
function decode(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && typeof v[0] === "number" && typeof v[1] === "string") return [v[0], v[1]];
  } catch { /* fall through */ }
  throw new ApiError(400, "invalid_inputs", `Invalid cursor: ${cursor}`);
}

const listInput = z.object({
  start_cursor: z.string().optional(),
  limit: z.number().int().min(1).max(5000).optional(),
  customer_id: z.string().optional(),
  entity_id: z.string().optional(),
  status: z.array(z.enum(["draft", "open", "void", "paid", "uncollectible"])).optional(),
  processor_types: z.array(z.enum(["stripe", "revenuecat"])).optional(),
}).loose();

export function listInvoices(ctx: Ctx, body: Record<string, unknown>): Record<string, unknown> {
  const r = listInput.safeParse(body);
  if (!r.success) throw invalid(r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  const input = r.data;
  if (input.entity_id && !input.customer_id) throw invalid("entity_id requires customer_id");
  const limit = input.limit ?? 50;
  if (limit > MAX_LIMIT) throw badRequest(`limit ${limit} exceeds max of ${MAX_LIMIT} for this org`);
  const customers = input.customer_id ? [requireCustomer(ctx, input.customer_id)] : Object.values(ctx.state.customers);
  const all = customers.flatMap((c) => c.invoices.map((i) => ({ c, i })))
    .filter(({ i }) => !input.status || input.status.includes(i.status as "paid"))
    .filter(() => !input.entity_id) // the sandbox has no entity-scoped invoices
    .sort((a, b) => b.i.created_at - a.i.created_at || (a.i.id < b.i.id ? 1 : a.i.id > b.i.id ? -1 : 0));
  let start = 0;
  if (input.start_cursor) {
    const [at, id] = decode(input.start_cursor);
    start = all.findIndex(({ i }) => i.created_at < at || (i.created_at === at && i.id < id));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + limit);
  const last = page[page.length - 1];
  return {
    list: page.map(({ c, i }) => renderInvoice(ctx, c, i)),
    next_cursor: start + limit < all.length && last ? encode(last.i.created_at, last.i.id) : null,
  };
}

export function payInvoice(ctx: Ctx, body: Record<string, unknown>): Record<string, unknown> {
  const r = z.object({ invoice_id: z.string().min(1) }).loose().safeParse(body);
  if (!r.success) throw invalid("invoice_id: required");
  const owner = Object.values(ctx.state.customers).find((c) => c.invoices.some((i) => i.id === r.data.invoice_id));
  const invoice = owner?.invoices.find((i) => i.id === r.data.invoice_id);
  if (!owner || !invoice) throw new ApiError(404, "not_found", `Invoice ${r.data.invoice_id} not found`);
  if (invoice.status === "void") throw badRequest("Cannot pay a void invoice");
  if (invoice.status === "open") {
    invoice.status = "paid";
    if (!owner.invoices.some((i) => i.status === "open")) {
      const late = owner.products.filter((p) => p.status === "active" && p.past_due);
      for (const p of late) p.past_due = false;
      announce(ctx, requireCustomer(ctx, owner.id), late.map((cp) => ({ action: "updated" as const, cp, previous: { past_due: true } })), [], "updated");
    }
  }
  return { invoice: renderInvoice(ctx, owner, invoice) };
}
