// The WebSocket sync endpoint (/api/<version>/sync), per-socket half: one
// SyncSession per socket, holding the client's query set, identity and the
// last state version sent; it handles the client's messages in order and,
// when the hub's refresh loop (syncHub.ts) asks, re-runs its stale
// subscriptions and pushes one Transition.
//
// Version rules the client enforces (remote_query_set.js, request_manager.js):
// - every Transition's startVersion must equal the previous endVersion sent
//   on this socket (the first one starts at {querySet 0, identity 0, ts 0});
//   the client resets to that on open (before sending Connect), so nothing
//   is sent on a socket until its Connect has arrived;
// - endVersion.querySet / .identity are the versions of the last
//   ModifyQuerySet / Authenticate the server has applied (newVersion,
//   baseVersion + 1); an identity bump is how the client learns its token
//   was accepted;
// - a successful mutation resolves only once a Transition with
//   endVersion.ts >= MutationResponse.ts has arrived, so the response goes
//   out first and a Transition at a later or equal ts always follows.
// `ts` is convex-test's own commit timestamp (ctx.meta.getSnapshotTs()).

import type { WebSocket } from "ws";
import type { JSONValue } from "convex/values";
import { AuthFailure } from "./auth.js";
import type { Accessor, Outcome } from "./engine.js";
import { encodeTs, parseClientMessage, ProtocolError, type ClientMessage, type ServerMessage, type StateModification } from "./protocol.js";
import type { SyncHub } from "./syncHub.js";

interface Subscription {
  queryId: number;
  udfPath: string;
  args: JSONValue | undefined;
  /** `${ts}:${identityVersion}` this subscription was last evaluated at. */
  evaluatedAt: string | null;
  /** Serialized last result sent, to push only changes. */
  lastSent: string | null;
}

interface Version {
  querySet: number;
  identity: number;
  ts: bigint;
}

export class SyncSession {
  closed = false;
  private sessionId: string | null = null;
  private querySetVersion = 0;
  private identityVersion = 0;
  private accessor: Accessor;
  private expiresAt: number | null = null;
  private readonly queries = new Map<number, Subscription>();
  private removed: number[] = [];
  private sent: Version = { querySet: 0, identity: 0, ts: 0n };
  /** Messages that change session state (and mutations) are handled strictly in order. */
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: SyncHub,
    readonly ws: WebSocket,
    private readonly info: { ip: string | null; userAgent: string | null },
  ) {
    this.accessor = hub.engine.accessor({ identity: null, ...info });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return this.fatal("Binary messages are not supported");
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.from(data).toString("utf8");
      let msg: ClientMessage;
      try {
        msg = parseClientMessage(text);
      } catch (err) {
        return this.fatal(err instanceof ProtocolError ? err.message : "Invalid client message");
      }
      // Messages are handled in order (an Action sent after an Authenticate runs with that identity);
      // actions are only *started* in order and then run concurrently, as on a deployment.
      this.inbox = this.inbox.then(() => this.handle(msg)).catch((err: unknown) => {
        this.hub.log(`[sync] ${msg.type} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        this.fatal(err instanceof Error ? err.message : String(err));
      });
    });
  }

  send(msg: ServerMessage): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(msg));
  }

  private fatal(error: string): void {
    this.send({ type: "FatalError", error });
    this.close(1011, "FatalError");
  }

  private close(code: number, reason: string): void {
    this.closed = true;
    this.hub.sessions.delete(this);
    this.ws.close(code, reason);
  }

  /** Auth failures end the connection, as on a deployment; the client reconnects (with a fresh token if it has one). */
  private authError(error: string, baseVersion: number, authUpdateAttempted: boolean): void {
    this.hub.log(`[sync] auth rejected: ${error}`);
    this.send({ type: "AuthError", error, baseVersion, authUpdateAttempted });
    this.close(1000, "AuthError");
  }

  tokenExpired(): boolean {
    return this.expiresAt !== null && this.hub.now() >= this.expiresAt;
  }

  private async handle(msg: ClientMessage): Promise<void> {
    if (this.closed) return;
    switch (msg.type) {
      case "Connect":
        this.sessionId = msg.sessionId;
        return;
      case "ModifyQuerySet": {
        if (msg.baseVersion !== this.querySetVersion) {
          return this.fatal(`Base version ${msg.baseVersion} passed up doesn't match the current version ${this.querySetVersion}`);
        }
        for (const mod of msg.modifications) {
          if (mod.type === "Add") {
            if (mod.componentPath) {
              this.hub.log(`[sync] query ${mod.udfPath} in component ${mod.componentPath}: components are not addressable from clients here`);
            }
            this.queries.set(mod.queryId, {
              queryId: mod.queryId,
              udfPath: mod.udfPath,
              args: mod.args[0],
              evaluatedAt: null,
              lastSent: null,
            });
          } else if (this.queries.delete(mod.queryId)) {
            this.removed.push(mod.queryId);
          }
        }
        this.querySetVersion = msg.newVersion;
        this.hub.requestRefresh();
        return;
      }
      case "Authenticate":
        return this.authenticate(msg);
      case "Mutation":
        return this.runMutation(msg);
      case "Action":
        void this.runAction(msg).catch((err: unknown) => {
          this.hub.log(`[sync] action failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        });
        return;
      case "Event":
        return;
    }
  }

  private async authenticate(msg: Extract<ClientMessage, { type: "Authenticate" }>): Promise<void> {
    if (msg.tokenType === "None") {
      this.accessor = this.hub.engine.accessor({ identity: null, ...this.info });
      this.expiresAt = null;
    } else if (msg.tokenType === "Admin") {
      return this.authError("Admin keys are not supported by the offline development host.", msg.baseVersion, true);
    } else {
      try {
        const { identity, expiresAt } = await this.hub.verifier.verify(msg.value);
        this.accessor = this.hub.engine.accessor({ identity, ...this.info });
        this.expiresAt = expiresAt;
      } catch (err) {
        const message = err instanceof AuthFailure ? err.message : `Auth failed: ${err instanceof Error ? err.message : String(err)}`;
        return this.authError(message, msg.baseVersion, true);
      }
    }
    this.identityVersion = msg.baseVersion + 1;
    this.hub.requestRefresh();
  }

  private checkToken(): boolean {
    if (!this.tokenExpired()) return true;
    this.authError("Token expired", Math.max(0, this.identityVersion - 1), false);
    return false;
  }

  private async runMutation(msg: Extract<ClientMessage, { type: "Mutation" }>): Promise<void> {
    const key = this.sessionId !== null ? `${this.sessionId}:${msg.requestId}` : null;
    const cached = key !== null ? this.hub.mutationResults.get(key) : undefined;
    if (cached) {
      this.send(cached);
      this.hub.requestRefresh();
      return;
    }
    if (!this.checkToken()) return;
    const outcome = await this.hub.engine.call("mutation", msg.udfPath, msg.args[0], this.accessor);
    let response: ServerMessage;
    if (outcome.success) {
      const ts = await this.hub.engine.snapshotTs();
      response = { type: "MutationResponse", requestId: msg.requestId, success: true, result: outcome.value, ts: encodeTs(ts), logLines: [] };
    } else {
      response = { type: "MutationResponse", requestId: msg.requestId, success: false, result: outcome.errorMessage, logLines: [], ...errorData(outcome) };
    }
    if (key !== null) this.hub.rememberMutation(key, response);
    this.send(response);
    this.hub.requestRefresh();
  }

  private async runAction(msg: Extract<ClientMessage, { type: "Action" }>): Promise<void> {
    if (!this.checkToken()) return;
    const outcome = await this.hub.engine.call("action", msg.udfPath, msg.args[0], this.accessor);
    this.send(
      outcome.success
        ? { type: "ActionResponse", requestId: msg.requestId, success: true, result: outcome.value, logLines: [] }
        : { type: "ActionResponse", requestId: msg.requestId, success: false, result: outcome.errorMessage, logLines: [], ...errorData(outcome) },
    );
    this.hub.requestRefresh();
  }

  /** Re-run what is stale at `ts` and send one Transition with what changed (or with new versions). */
  async refresh(ts: bigint): Promise<void> {
    if (this.closed) return;
    // Nothing goes out before the client's Connect: on open the client resets its
    // query set to version 0, so a Transition sent earlier would desync it
    // ("Invalid start version") and leave every query loading.
    if (this.sessionId === null) return;
    if (this.expiresAt !== null && !this.checkToken()) return;
    const target: Version = { querySet: this.querySetVersion, identity: this.identityVersion, ts };
    const accessor = this.accessor;
    const stamp = `${ts}:${target.identity}`;
    const modifications: StateModification[] = this.removed.splice(0).map((queryId) => ({ type: "QueryRemoved" as const, queryId }));
    for (const sub of [...this.queries.values()]) {
      if (sub.evaluatedAt === stamp) continue;
      // Re-runs are quiet; a failure is logged when it is new for this subscription.
      const outcome = await this.hub.engine.call("query", sub.udfPath, sub.args, accessor, { quiet: true });
      sub.evaluatedAt = stamp;
      const serialized = JSON.stringify(outcome);
      if (serialized === sub.lastSent) continue;
      sub.lastSent = serialized;
      this.hub.engine.logFailure(sub.udfPath, outcome);
      modifications.push(
        outcome.success
          ? { type: "QueryUpdated", queryId: sub.queryId, value: outcome.value, logLines: [], journal: null }
          : { type: "QueryFailed", queryId: sub.queryId, errorMessage: outcome.errorMessage, logLines: [], journal: null, ...errorData(outcome) },
      );
    }
    if (this.closed) return;
    const same = target.querySet === this.sent.querySet && target.identity === this.sent.identity && target.ts === this.sent.ts;
    if (same && modifications.length === 0) return;
    this.send({
      type: "Transition",
      startVersion: wire(this.sent),
      endVersion: wire(target),
      modifications,
    });
    this.sent = target;
  }
}

function wire(v: Version) {
  return { querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) };
}

function errorData(outcome: Outcome): { errorData?: JSONValue } {
  return !outcome.success && outcome.errorData !== undefined ? { errorData: outcome.errorData } : {};
}
