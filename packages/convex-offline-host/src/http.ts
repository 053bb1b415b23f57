// Plain HTTP on the same server:
// - the HTTP API ConvexHttpClient uses (browser/http_client.js):
//   POST /api/query | /api/mutation | /api/action  {path, args: [encodedArgs], format: "convex_encoded_json"}
//   POST /api/function {path, args: encodedArgs, componentPath?}, /api/query_ts, /api/query_at_ts
//   → 200 {status: "success", value, logLines} or 560 {status: "error", errorMessage, errorData?, logLines};
//   auth is `Authorization: Bearer <jwt>`.
// - everything else is an HTTP action: handed to convex-test's t.fetch with
//   method, headers and raw body preserved, and the Response streamed back
//   (every Set-Cookie header kept).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONValue } from "convex/values";
import { AuthFailure, type TokenVerifier } from "./auth.js";
import type { Engine, FnKind, Outcome } from "./engine.js";
import { encodeTs } from "./protocol.js";

type Log = (line: string) => void;

export const SYNC_PATH = /^\/api\/\d+\.\d+\.\d+[^/]*\/sync\/?$/;
const VERSIONED_API = /^\/api\/\d+\.\d+\.\d+[^/]*(\/|$)/;
const UDF_ROUTES: Record<string, FnKind | "any" | "query_ts"> = {
  "/api/query": "query",
  "/api/query_at_ts": "query",
  "/api/mutation": "mutation",
  "/api/action": "action",
  "/api/function": "any",
  "/api/query_ts": "query_ts",
};

export const STATUS_UDF_FAILED = 560;

function corsHeaders(req: IncomingMessage): Record<string, string> {
  return {
    "access-control-allow-origin": req.headers.origin ?? "*",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type, authorization, convex-client",
    "access-control-max-age": "86400",
    vary: "origin",
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...extra });
  res.end(text);
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1] ?? null;
}

export interface HttpDeps {
  engine: Engine;
  verifier: TokenVerifier;
  log: Log;
  /** Called after anything that may have written (mutations, actions, HTTP actions). */
  changed(): void;
  /** HTML for GET / when convex/http.ts routes nothing there. */
  statusPage?: () => string;
}

export function createHttpHandler(deps: HttpDeps) {
  const { engine, verifier, log, changed } = deps;

  async function udfRoute(req: IncomingMessage, res: ServerResponse, route: FnKind | "any" | "query_ts"): Promise<void> {
    const cors = corsHeaders(req);
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method !== "POST") return sendJson(res, 405, { code: "MethodNotAllowed", message: "Use POST" }, cors);
    const raw = await readBody(req);
    if (route === "query_ts") return sendJson(res, 200, { ts: encodeTs(await engine.snapshotTs()) }, cors);

    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw.toString("utf8")) : {};
    } catch {
      return sendJson(res, 400, { code: "BadJsonBody", message: "Request body is not JSON" }, cors);
    }
    if (typeof body !== "object" || body === null || typeof (body as { path?: unknown }).path !== "string") {
      return sendJson(res, 400, { code: "BadRequest", message: "Expected {path, args, format}" }, cors);
    }
    const { path, args, format, componentPath } = body as { path: string; args?: unknown; format?: unknown; componentPath?: unknown };
    if (format !== undefined && format !== "convex_encoded_json" && format !== "json") {
      return sendJson(res, 400, { code: "BadRequest", message: `Unsupported format ${String(format)}` }, cors);
    }
    if (typeof componentPath === "string" && componentPath !== "") {
      return sendJson(res, 400, { code: "BadRequest", message: "Calling component functions from clients is not supported" }, cors);
    }
    const encodedArgs = (Array.isArray(args) ? args[0] : args) as JSONValue | undefined;

    let identity = null;
    const token = bearer(req);
    if (token !== null) {
      try {
        identity = (await verifier.verify(token)).identity;
      } catch (err) {
        const message = err instanceof AuthFailure ? err.message : String(err);
        log(`[http] auth rejected: ${message}`);
        return sendJson(res, 401, { code: err instanceof AuthFailure && err.expired ? "TokenExpired" : "Unauthenticated", message }, cors);
      }
    }
    const acc = engine.accessor({ identity, ip: req.socket.remoteAddress ?? null, userAgent: req.headers["user-agent"] ?? null });
    const outcome: Outcome = await engine.call(route, path, encodedArgs, acc);
    if (route !== "query") changed();
    if (outcome.success) return sendJson(res, 200, { status: "success", value: outcome.value, logLines: [] }, cors);
    return sendJson(
      res,
      STATUS_UDF_FAILED,
      { status: "error", errorMessage: outcome.errorMessage, ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}), logLines: [] },
      cors,
    );
  }

  async function httpAction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === "connection" || name === "transfer-encoding" || name === "content-length") continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
    let identity = null;
    const token = bearer(req);
    if (token !== null) {
      // Like a deployment: a valid Convex JWT sets ctx.auth; anything else (e.g. a better-auth bearer) is just a header.
      try {
        identity = (await verifier.verify(token)).identity;
      } catch {
        identity = null;
      }
    }
    const acc = engine.accessor({ identity, ip: req.socket.remoteAddress ?? null, userAgent: req.headers["user-agent"] ?? null });
    let response: Response;
    try {
      response = await acc.fetch(req.url ?? "/", { method, headers, ...(body !== undefined && body.length > 0 ? { body: new Uint8Array(body) } : {}) });
      const pathname = new URL(req.url ?? "/", "http://host").pathname;
      if (response.status === 404 && pathname === "/" && (method === "GET" || method === "HEAD") && deps.statusPage) {
        response = new Response(deps.statusPage(), { status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
      }
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      log(`[http] ${method} ${req.url ?? "/"} failed: ${e.stack ?? e.message}`);
      changed();
      return sendJson(res, 500, { code: "InternalServerError", message: e.message });
    }
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie" && name !== "content-length" && name !== "transfer-encoding") out[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) out["set-cookie"] = cookies;
    if (response.statusText) res.writeHead(response.status, response.statusText, out);
    else res.writeHead(response.status, out);
    if (response.body && method !== "HEAD") {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    }
    res.end();
    changed();
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? "/", "http://host").pathname;
    try {
      const route = UDF_ROUTES[pathname];
      if (route !== undefined) return await udfRoute(req, res, route);
      if (VERSIONED_API.test(pathname)) {
        return sendJson(res, SYNC_PATH.test(pathname) ? 426 : 404, {
          code: "NotFound",
          message: SYNC_PATH.test(pathname) ? "This endpoint only accepts WebSocket upgrades" : `${pathname} is not served by the offline host`,
        });
      }
      await httpAction(req, res);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      log(`[http] ${req.method ?? "?"} ${pathname} failed: ${e.stack ?? e.message}`);
      if (!res.headersSent) sendJson(res, 500, { code: "InternalServerError", message: e.message });
      else res.end();
    }
  };
}
