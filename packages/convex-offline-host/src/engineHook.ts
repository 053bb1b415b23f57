// The hook into convex-test 0.0.60's internals (least invasive we found,
// dist/index.js) that persistence needs: convexTest() keeps its per-test
// state (one DatabaseFake per component, the TransactionManager) in an
// object it passes to AsyncLocalStorage.run on every call. We catch that
// object once; persist.ts then wraps TransactionManager.commit for top-level
// commits and ids.ts replaces DatabaseFake._generateId.

import { AsyncLocalStorage } from "node:async_hooks";
import type { Value } from "convex/values";
import type { Root } from "./engine.js";

export type Doc = Record<string, Value> & { _id: string; _creationTime: number };

/** The parts of convex-test's DatabaseFake we use. */
export interface DbFake {
  _documents: Record<string, Doc>;
  _writes: Array<Record<string, Doc | null>>;
  _lastCreationTime: number;
  _generateId(table: string): string;
  get(table: string | undefined, id: string): Doc | null;
  patch(table: string, id: string, value: Record<string, Value>): void;
}
export interface TxManager {
  commit(isNested: boolean): bigint | null;
  _lastCommitTs: bigint;
}
/** convex-test's per-instance state (its "ConvexGlobal"). */
export interface EngineInternals {
  components: Record<string, { db: DbFake }>;
  transactionManager: TxManager;
}

function isInternals(x: unknown): x is EngineInternals {
  if (typeof x !== "object" || x === null || !("components" in x) || !("transactionManager" in x)) return false;
  const { components, transactionManager } = x as { components: unknown; transactionManager: unknown };
  const root = (components as Record<string, { db?: unknown }> | null)?.[""]?.db as Partial<DbFake> | undefined;
  return typeof (transactionManager as Partial<TxManager>)?.commit === "function"
    && typeof root?._documents === "object" && Array.isArray(root._writes) && typeof root._generateId === "function";
}

/** Catch convex-test's state object from the AsyncLocalStorage.run it wraps every call in. */
export async function engineInternals(t: Root): Promise<EngineInternals> {
  const proto = AsyncLocalStorage.prototype as { run: (...args: unknown[]) => unknown };
  const original = proto.run;
  let found: EngineInternals | undefined;
  proto.run = function (this: unknown, store: unknown, ...rest: unknown[]) {
    if (!found && isInternals(store)) found = store;
    return original.call(this, store, ...rest);
  };
  try {
    await t.query(async () => null);
  } finally {
    proto.run = original;
  }
  if (!found) throw new Error("convex-offline-host: convex-test's internals are not what persist.ts expects (written against convex-test 0.0.60)");
  return found;
}
