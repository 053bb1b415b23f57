// The sandbox-only control routes under /sandbox (authenticated like /v1):
// the test clock, fault injection, reset, call stats, forced checkout
// settlement, the webhook log and a flush of its queue, and runtime config.
// Real Autumn has none of these; they exist so tests and the dev stack can
// drive the sandbox.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./errors.js";
import { parseFault } from "./inputs.js";
import { multiCurrencyEnabled } from "./currency.js";
import { readJson, send } from "./httpIo.js";
import type { AutumnSandbox } from "./server.js";

export async function handleControl(sb: AutumnSandbox, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const body = req.method === "POST" ? await readJson(req).catch(() => ({})) : {};
  try {
    switch (`${req.method} ${path}`) {
      case "GET /sandbox/clock":
        return send(res, 200, { now: sb.ctx.now(), offset_ms: sb.store.state.clock_offset_ms });
      case "POST /sandbox/clock/advance": {
        const b = body as { ms?: number; to?: number; customer_id?: string };
        const c = b.customer_id ? sb.store.state.customers[b.customer_id] : undefined;
        const current = sb.ctx.now(c ?? null);
        const ms = b.ms ?? (b.to !== undefined ? b.to - current : NaN);
        const now = sb.advanceClock(ms, b.customer_id);
        return send(res, 200, { now, ...(b.customer_id ? { customer_id: b.customer_id } : {}) });
      }
      case "POST /sandbox/faults":
        return send(res, 200, sb.faults.add(parseFault(body)));
      case "GET /sandbox/faults":
        return send(res, 200, { list: sb.faults.list() });
      case "DELETE /sandbox/faults":
        sb.faults.clear();
        return send(res, 200, { success: true });
      case "POST /sandbox/reset":
        sb.reset();
        return send(res, 200, { success: true });
      case "GET /sandbox/stats":
        return send(res, 200, { calls: sb.stats });
      case "POST /sandbox/stats/reset":
        for (const k of Object.keys(sb.stats)) delete sb.stats[k];
        return send(res, 200, { success: true });
      case "POST /sandbox/checkouts/settle":
        sb.tick(Number.MAX_SAFE_INTEGER);
        return send(res, 200, { success: true });
      case "GET /sandbox/webhooks":
        return send(res, 200, { list: sb.webhooks.log });
      case "POST /sandbox/webhooks/flush":
        await sb.flushWebhooks();
        return send(res, 200, { success: true });
      case "POST /sandbox/config": {
        const b = body as { settlement_delay_ms?: number; webhook_url?: string | null; webhook_secret?: string | null; multi_currency?: boolean | null };
        if (b.settlement_delay_ms !== undefined) sb.settlementDelayMs = b.settlement_delay_ms;
        if (b.multi_currency !== undefined) sb.multiCurrency = b.multi_currency;
        if (b.webhook_url !== undefined) sb.webhooks.config.url = b.webhook_url;
        if (b.webhook_secret !== undefined) sb.webhooks.config.secret = b.webhook_secret;
        return send(res, 200, { settlement_delay_ms: sb.settlementDelayMs, webhook_url: sb.webhooks.config.url, webhooks_enabled: sb.webhooks.enabled, multi_currency: multiCurrencyEnabled(sb.ctx) });
      }
      default:
        return send(res, 404, { message: `Route ${req.method} ${path} not found`, code: "not_found", env: "sandbox" });
    }
  } catch (err) {
    if (err instanceof ApiError) return send(res, err.status, { message: err.message, code: err.code, env: "sandbox" });
    throw err;
  }
}
