// A hand-written fake ConvexReactClient for UI tests (convex ships none).
// It implements exactly what convex/react's hooks call: watchQuery
// (localQueryResult / onUpdate / journal), mutation, action, query,
// connectionState / subscribeToConnectionState, and no-op auth and close.
// Fakes are registered per function, keyed by getFunctionName(ref).
// A query fake returning undefined means "loading"; throwing means an error.
// Re-registering a query fake notifies its subscribers: wrap it in act().
import type { ConvexReactClient } from "convex/react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";

type Handler = (args: Record<string, unknown>) => unknown;

export interface FakeCall {
  kind: "query" | "mutation" | "action";
  name: string;
  args: Record<string, unknown>;
}

export class FakeConvexClient {
  private readonly queries = new Map<string, Handler>();
  private readonly mutations = new Map<string, Handler>();
  private readonly actions = new Map<string, Handler>();
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Every mutation and action call, in order (queries are watched, not called). */
  readonly calls: FakeCall[] = [];

  /** The fake, typed as what <ConvexProvider client> expects. */
  get client(): ConvexReactClient {
    return this as unknown as ConvexReactClient;
  }

  registerQueryFake<Q extends FunctionReference<"query">>(ref: Q, fake: (args: FunctionArgs<Q>) => FunctionReturnType<Q> | undefined): this {
    const name = getFunctionName(ref);
    this.queries.set(name, fake as Handler);
    for (const listener of [...(this.listeners.get(name) ?? [])]) listener();
    return this;
  }

  /** Shorthands: a fixed result, "loading", or an error. */
  setQueryResult<Q extends FunctionReference<"query">>(ref: Q, value: FunctionReturnType<Q>): this {
    return this.registerQueryFake(ref, () => value);
  }

  setQueryLoading(ref: FunctionReference<"query">): this {
    return this.registerQueryFake(ref, () => undefined);
  }

  setQueryError(ref: FunctionReference<"query">, error: Error): this {
    return this.registerQueryFake(ref, () => { throw error; });
  }

  registerMutationFake<M extends FunctionReference<"mutation">>(
    ref: M, fake: (args: FunctionArgs<M>) => FunctionReturnType<M> | Promise<FunctionReturnType<M>>,
  ): this {
    this.mutations.set(getFunctionName(ref), fake as Handler);
    return this;
  }

  registerActionFake<A extends FunctionReference<"action">>(
    ref: A, fake: (args: FunctionArgs<A>) => FunctionReturnType<A> | Promise<FunctionReturnType<A>>,
  ): this {
    this.actions.set(getFunctionName(ref), fake as Handler);
    return this;
  }

  callsTo(ref: FunctionReference<"mutation" | "action">): Array<Record<string, unknown>> {
    const name = getFunctionName(ref);
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  // ── what convex/react calls ──────────────────────────────────────────────

  watchQuery(ref: FunctionReference<"query">, args: Record<string, unknown> = {}) {
    const name = getFunctionName(ref);
    return {
      localQueryResult: (): unknown => {
        const fake = this.queries.get(name);
        return fake ? fake(args) : undefined;
      },
      onUpdate: (callback: () => void): (() => void) => {
        const set = this.listeners.get(name) ?? new Set<() => void>();
        set.add(callback);
        this.listeners.set(name, set);
        return () => { set.delete(callback); };
      },
      journal: (): undefined => undefined,
      localQueryLogs: (): undefined => undefined,
    };
  }

  async query(ref: FunctionReference<"query">, args: Record<string, unknown> = {}): Promise<unknown> {
    const fake = this.queries.get(getFunctionName(ref));
    if (!fake) throw new Error(`No query fake registered for ${getFunctionName(ref)}`);
    return fake(args);
  }

  async mutation(ref: FunctionReference<"mutation">, args: Record<string, unknown> = {}): Promise<unknown> {
    return this.invoke("mutation", this.mutations, ref, args);
  }

  async action(ref: FunctionReference<"action">, args: Record<string, unknown> = {}): Promise<unknown> {
    return this.invoke("action", this.actions, ref, args);
  }

  connectionState() {
    return {
      hasInflightRequests: false,
      isWebSocketConnected: true,
      timeOfOldestInflightRequest: null,
      hasEverConnected: true,
      connectionCount: 1,
      connectionRetries: 0,
      inflightMutations: 0,
      inflightActions: 0,
    };
  }

  subscribeToConnectionState(_callback: () => void): () => void {
    return () => {};
  }

  setAuth(): void {}
  clearAuth(): void {}
  async close(): Promise<void> {}

  private async invoke(kind: "mutation" | "action", table: Map<string, Handler>, ref: FunctionReference<"mutation" | "action">, args: Record<string, unknown>): Promise<unknown> {
    const name = getFunctionName(ref);
    this.calls.push({ kind, name, args });
    const fake = table.get(name);
    if (!fake) throw new Error(`No ${kind} fake registered for ${name}`);
    return fake(args);
  }
}

export function createFakeConvex(): FakeConvexClient {
  return new FakeConvexClient();
}
