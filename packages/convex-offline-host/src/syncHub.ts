// The WebSocket sync endpoint (/api/<version>/sync), host-wide half: the
// set of SyncSessions (one per socket, syncSession.ts), one serial,
// coalesced refresh loop that re-runs subscriptions when the commit
// timestamp moves (polled, since scheduled functions, crons and HTTP writes
// land on their own), pings, and the mutation-result cache that keeps a
// mutation resent after a reconnect from running twice.

import type { WebSocket } from "ws";
import type { TokenVerifier } from "./auth.js";
import type { Engine } from "./engine.js";
import type { ServerMessage } from "./protocol.js";
import { SyncSession } from "./syncSession.js";

type Log = (line: string) => void;

const MUTATION_CACHE_LIMIT = 5000;

export class SyncHub {
  readonly sessions = new Set<SyncSession>();
  /** (sessionId, requestId) → response, so a mutation resent after a reconnect is not run twice. */
  readonly mutationResults = new Map<string, ServerMessage>();
  private refreshing = false;
  private refreshPending = false;
  private idleWaiters: Array<() => void> = [];
  private lastTs: bigint | null = null;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly engine: Engine,
    readonly verifier: TokenVerifier,
    readonly log: Log,
    readonly now: () => number,
    pollIntervalMs: number,
  ) {
    // Scheduled functions run on convex-test's own timers and crons/HTTP
    // writes land whenever: poll the commit timestamp and refresh on change.
    const poll = setInterval(() => void this.poll(), pollIntervalMs);
    const ping = setInterval(() => {
      for (const s of this.sessions) s.send({ type: "Ping" });
    }, 15_000);
    poll.unref();
    ping.unref();
    this.timers.push(poll, ping);
  }

  attach(ws: WebSocket, info: { ip: string | null; userAgent: string | null }): SyncSession {
    const session = new SyncSession(this, ws, info);
    this.sessions.add(session);
    ws.on("close", () => {
      session.closed = true;
      this.sessions.delete(session);
    });
    return session;
  }

  private async poll(): Promise<void> {
    if (this.sessions.size === 0 || this.refreshing) return;
    try {
      const ts = await this.engine.snapshotTs();
      const expired = [...this.sessions].some((s) => s.tokenExpired());
      if (ts !== this.lastTs || expired) this.requestRefresh();
    } catch (err) {
      this.log(`[sync] poll failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Re-run subscriptions (coalesced; one refresh loop at a time). */
  requestRefresh(): void {
    this.refreshPending = true;
    if (!this.refreshing) {
      void this.refreshLoop().catch((err: unknown) => {
        this.log(`[sync] refresh loop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      });
    }
  }

  /** Resolves once no refresh is pending or running. */
  idle(): Promise<void> {
    if (!this.refreshing && !this.refreshPending) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async refreshLoop(): Promise<void> {
    this.refreshing = true;
    try {
      while (this.refreshPending) {
        this.refreshPending = false;
        const ts = await this.engine.snapshotTs();
        this.lastTs = ts;
        for (const session of [...this.sessions]) {
          try {
            await session.refresh(ts);
          } catch (err) {
            this.log(`[sync] refresh failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          }
        }
      }
    } finally {
      this.refreshing = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  rememberMutation(key: string, response: ServerMessage): void {
    this.mutationResults.set(key, response);
    if (this.mutationResults.size > MUTATION_CACHE_LIMIT) {
      const oldest = this.mutationResults.keys().next().value;
      if (oldest !== undefined) this.mutationResults.delete(oldest);
    }
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
  }
}
