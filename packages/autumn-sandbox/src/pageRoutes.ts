// The hosted pages' HTTP side: GET renders checkout, portal and invoice
// pages (pages.ts), POST takes the checkout form (pay, 3-D Secure) and the
// portal's cancel/uncancel buttons, then redirects or re-renders.

import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate as authenticateCheckout, submitCard } from "./checkout.js";
import { checkoutPage, invoicePage, notFoundPage, portalAction, portalPage } from "./pages.js";
import { settle } from "./subscriptions.js";
import { readText } from "./httpIo.js";
import type { AutumnSandbox } from "./server.js";

export async function handlePage(sb: AutumnSandbox, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const [, kind, id, action] = path.split("/");
  const form = req.method === "POST" ? new URLSearchParams(await readText(req)) : new URLSearchParams();
  const { state } = sb.store;
  const html = (p: { status: number; html: string }): void => {
    res.writeHead(p.status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(p.html);
  };
  const redirect = (to: string): void => { res.writeHead(303, { location: to }).end(); };

  if (kind === "invoices" && req.method === "GET") return html(invoicePage(sb.ctx, id ?? ""));
  if (kind === "checkout") {
    const s = state.checkouts[id ?? ""];
    if (!s) return html(notFoundPage("checkout session"));
    if (req.method === "GET" && !action) return html(checkoutPage(sb.ctx, s));
    if (req.method === "POST" && (action === "pay" || action === "authenticate")) {
      try {
        const outcome = action === "pay"
          ? submitCard(sb.ctx, s.id, form.get("card") ?? "")
          : authenticateCheckout(sb.ctx, s.id, form.get("result") === "complete");
        sb.store.changed();
        if (outcome === "processing") {
          if (sb.settlementDelayMs <= 0) sb.tick();
          return s.success_url ? redirect(s.success_url) : html(checkoutPage(sb.ctx, s));
        }
        return html(checkoutPage(sb.ctx, s, outcome === "requires_action" ? 200 : 402));
      } catch {
        return html(notFoundPage("checkout session"));
      }
    }
  }
  if (kind === "portal") {
    const p = state.portals[id ?? ""];
    const c = p ? state.customers[p.customer_id] : undefined;
    if (!p || !c) return html(notFoundPage("billing portal session"));
    settle(sb.ctx, c);
    if (req.method === "GET" && !action) return html(portalPage(sb.ctx, c, p.id, p.return_url));
    if (req.method === "POST" && (action === "cancel" || action === "uncancel")) {
      let message: string;
      try {
        message = portalAction(sb.ctx, c, action, form.get("plan_id") ?? "");
      } catch (err) {
        message = err instanceof Error ? err.message : String(err);
      }
      sb.store.changed();
      return html(portalPage(sb.ctx, c, p.id, p.return_url, message));
    }
  }
  html(notFoundPage("page"));
}
