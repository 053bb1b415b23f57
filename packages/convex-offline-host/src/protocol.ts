// The subset of Convex's WebSocket sync protocol (convex 1.48.0,
// node_modules/convex/dist/esm/browser/sync/protocol.js) that the host
// speaks. Client messages arrive as untrusted JSON and are narrowed here;
// server messages are built with the exact wire shapes the client parses.
import type { JSONValue } from "convex/values";

export type QueryId = number;

export interface AddQuery {
  type: "Add";
  queryId: QueryId;
  udfPath: string;
  args: JSONValue[];
  journal?: string | null;
  componentPath?: string;
}
export interface RemoveQuery {
  type: "Remove";
  queryId: QueryId;
}

export type ClientMessage =
  | { type: "Connect"; sessionId: string; connectionCount: number; lastCloseReason: string | null; maxObservedTimestamp?: string; clientTs?: number }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: Array<AddQuery | RemoveQuery> }
  | { type: "Mutation"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | { type: "Action"; requestId: number; udfPath: string; args: JSONValue[]; componentPath?: string }
  | { type: "Authenticate"; tokenType: "User"; value: string; baseVersion: number }
  | { type: "Authenticate"; tokenType: "Admin"; value: string; baseVersion: number }
  | { type: "Authenticate"; tokenType: "None"; baseVersion: number }
  | { type: "Event"; eventType: string; event: unknown };

/** The encoded (wire) state version: `ts` is a little-endian u64, base64. */
export interface WireStateVersion {
  querySet: number;
  identity: number;
  ts: string;
}

export type StateModification =
  | { type: "QueryUpdated"; queryId: QueryId; value: JSONValue; logLines: string[]; journal: string | null }
  | { type: "QueryFailed"; queryId: QueryId; errorMessage: string; logLines: string[]; errorData?: JSONValue; journal: string | null }
  | { type: "QueryRemoved"; queryId: QueryId };

export type ServerMessage =
  | { type: "Transition"; startVersion: WireStateVersion; endVersion: WireStateVersion; modifications: StateModification[] }
  | { type: "MutationResponse"; requestId: number; success: true; result: JSONValue; ts: string; logLines: string[] }
  | { type: "MutationResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JSONValue }
  | { type: "ActionResponse"; requestId: number; success: true; result: JSONValue; logLines: string[] }
  | { type: "ActionResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JSONValue }
  | { type: "AuthError"; error: string; baseVersion: number; authUpdateAttempted: boolean }
  | { type: "FatalError"; error: string }
  | { type: "Ping" };

/** Convex timestamps are u64 nanoseconds, sent as 8 little-endian bytes in base64 (protocol.js longToU64). */
export function encodeTs(ts: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(BigInt.asUintN(64, ts));
  return buf.toString("base64");
}

export function decodeTs(encoded: string): bigint {
  const buf = Buffer.from(encoded, "base64");
  if (buf.length !== 8) throw new Error(`Invalid timestamp encoding: ${encoded}`);
  return buf.readBigUInt64LE();
}

/** "billing/api.js:list" → "billing/api:list"; "mod" → "mod:default" (udf_path_utils.js canonicalizeUdfPath). */
export function canonicalizeUdfPath(udfPath: string): string {
  const pieces = udfPath.split(":");
  let moduleName: string;
  let functionName: string;
  if (pieces.length === 1) {
    moduleName = pieces[0] ?? "";
    functionName = "default";
  } else {
    moduleName = pieces.slice(0, -1).join(":");
    functionName = pieces[pieces.length - 1] ?? "default";
  }
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}

// ── narrowing untrusted JSON ─────────────────────────────────────────────────

export class ProtocolError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function str(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new ProtocolError(`${String(o.type)}.${k} must be a string`);
  return v;
}
function num(o: Obj, k: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ProtocolError(`${String(o.type)}.${k} must be a number`);
  return v;
}
function optStr(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new ProtocolError(`${String(o.type)}.${k} must be a string`);
  return v;
}
function jsonArray(o: Obj, k: string): JSONValue[] {
  const v = o[k];
  if (!Array.isArray(v)) throw new ProtocolError(`${String(o.type)}.${k} must be an array`);
  // Values are JSON (they came out of JSON.parse); their Convex encoding is checked by jsonToConvex later.
  return v as JSONValue[];
}

export function parseClientMessage(raw: string): ClientMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ProtocolError("Client message is not JSON");
  }
  if (!isObj(parsed)) throw new ProtocolError("Client message must be an object");
  const m = parsed;
  switch (m.type) {
    case "Connect": {
      const lastCloseReason = m.lastCloseReason;
      const clientTs = m.clientTs;
      const maxObservedTimestamp = optStr(m, "maxObservedTimestamp");
      return {
        type: "Connect",
        sessionId: str(m, "sessionId"),
        connectionCount: num(m, "connectionCount"),
        lastCloseReason: typeof lastCloseReason === "string" ? lastCloseReason : null,
        ...(maxObservedTimestamp !== undefined ? { maxObservedTimestamp } : {}),
        ...(typeof clientTs === "number" ? { clientTs } : {}),
      };
    }
    case "ModifyQuerySet": {
      const mods = m.modifications;
      if (!Array.isArray(mods)) throw new ProtocolError("ModifyQuerySet.modifications must be an array");
      const modifications = mods.map((mod): AddQuery | RemoveQuery => {
        if (!isObj(mod)) throw new ProtocolError("Query modification must be an object");
        if (mod.type === "Add") {
          const journal = mod.journal;
          const componentPath = optStr(mod, "componentPath");
          return {
            type: "Add",
            queryId: num(mod, "queryId"),
            udfPath: str(mod, "udfPath"),
            args: jsonArray(mod, "args"),
            journal: typeof journal === "string" ? journal : null,
            ...(componentPath !== undefined ? { componentPath } : {}),
          };
        }
        if (mod.type === "Remove") return { type: "Remove", queryId: num(mod, "queryId") };
        throw new ProtocolError(`Unknown query modification ${String(mod.type)}`);
      });
      return { type: "ModifyQuerySet", baseVersion: num(m, "baseVersion"), newVersion: num(m, "newVersion"), modifications };
    }
    case "Mutation":
    case "Action": {
      const componentPath = optStr(m, "componentPath");
      return {
        type: m.type,
        requestId: num(m, "requestId"),
        udfPath: str(m, "udfPath"),
        args: jsonArray(m, "args"),
        ...(componentPath !== undefined ? { componentPath } : {}),
      };
    }
    case "Authenticate": {
      const baseVersion = num(m, "baseVersion");
      if (m.tokenType === "None") return { type: "Authenticate", tokenType: "None", baseVersion };
      if (m.tokenType === "User" || m.tokenType === "Admin") {
        return { type: "Authenticate", tokenType: m.tokenType, value: str(m, "value"), baseVersion };
      }
      throw new ProtocolError(`Unknown tokenType ${String(m.tokenType)}`);
    }
    case "Event":
      return { type: "Event", eventType: str(m, "eventType"), event: m.event };
    default:
      throw new ProtocolError(`Unknown client message type ${String(m.type)}`);
  }
}
