// The function runner: convex-test's engine plus the checks a deployment
// makes before running a client's call (public function of the right
// kind, Convex-encoded object args), and error shapes as the client
// protocol carries them (ConvexError data → errorData).
import type { convexTest } from "convex-test";
import { makeFunctionReference, type UserIdentity } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { ModuleIndex } from "./modules.js";
import { canonicalizeUdfPath } from "./protocol.js";

export type Root = ReturnType<typeof convexTest>;
export type Accessor = ReturnType<Root["withIdentity"]>;
export type FnKind = "query" | "mutation" | "action";

export type Outcome =
  | { success: true; value: JSONValue }
  | { success: false; errorMessage: string; errorData?: JSONValue };

export interface RequestInfo {
  identity: UserIdentity | null;
  ip?: string | null;
  userAgent?: string | null;
}

type Log = (line: string) => void;

function isConvexError(err: unknown): err is ConvexError<Value> {
  return err instanceof ConvexError || (typeof err === "object" && err !== null && Symbol.for("ConvexError") in err && "data" in err);
}

function flag(fn: unknown, name: string): boolean {
  return (typeof fn === "function" || (typeof fn === "object" && fn !== null)) && (fn as Record<string, unknown>)[name] === true;
}

export function kindOf(fn: unknown): FnKind | null {
  if (flag(fn, "isQuery")) return "query";
  if (flag(fn, "isMutation")) return "mutation";
  if (flag(fn, "isAction")) return "action";
  return null;
}

export class Engine {
  constructor(
    readonly t: Root,
    private readonly modules: ModuleIndex,
    private readonly log: Log,
  ) {}

  /** The accessor functions run with: identity (from a verified JWT) and request metadata. */
  accessor(info: RequestInfo): Accessor {
    let acc: Accessor = info.identity ? this.t.withIdentity(info.identity) : this.t;
    if (info.ip != null || info.userAgent != null) {
      acc = acc.withRequestMetadata({ ip: info.ip ?? null, userAgent: info.userAgent ?? null });
    }
    return acc;
  }

  /** The latest commit timestamp (ns), from convex-test's transaction manager via ctx.meta. */
  async snapshotTs(): Promise<bigint> {
    const ts: unknown = await this.t.query(async (ctx) => ctx.meta.getSnapshotTs());
    return typeof ts === "bigint" ? ts : BigInt(typeof ts === "number" ? ts : 0);
  }

  /** The kind of an exported function, checking visibility unless `allowInternal`. */
  async resolve(udfPath: string, allowInternal: boolean): Promise<{ path: string; kind: FnKind }> {
    const path = canonicalizeUdfPath(udfPath);
    const [modulePath = "", exportName = "default"] = path.split(":");
    const mod = this.modules.files.has(modulePath) ? await this.modules.load(modulePath) : undefined;
    const fn = mod?.[exportName];
    const kind = kindOf(fn);
    if (!kind || (!allowInternal && !flag(fn, "isPublic"))) {
      throw new Error(
        `Could not find public function for '${path}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
      );
    }
    return { path, kind };
  }

  /**
   * Run a function as a client would. `expected` is the kind the client
   * asked for ("any" for /api/function and crons). Never throws: failures
   * come back as `{ success: false, errorMessage, errorData? }`.
   */
  async call(
    expected: FnKind | "any",
    udfPath: string,
    encodedArgs: JSONValue | undefined,
    acc: Accessor,
    opts: { allowInternal?: boolean; quiet?: boolean } = {},
  ): Promise<Outcome> {
    let path = udfPath;
    try {
      const resolved = await this.resolve(udfPath, opts.allowInternal ?? false);
      path = resolved.path;
      if (expected !== "any" && resolved.kind !== expected) {
        throw new Error(`Trying to execute ${path} as ${expected === "action" ? "an" : "a"} ${expected}, but it is defined as ${resolved.kind === "action" ? "an" : "a"} ${resolved.kind}.`);
      }
      const args = encodedArgs === undefined || encodedArgs === null ? {} : jsonToConvex(encodedArgs);
      if (typeof args !== "object" || args === null || Array.isArray(args) || args instanceof ArrayBuffer) {
        throw new Error(`The arguments to a Convex function must be an object. Received: ${JSON.stringify(encodedArgs)}`);
      }
      const fnArgs = args as Record<string, Value>;
      let value: unknown;
      switch (resolved.kind) {
        case "query":
          value = await acc.query(makeFunctionReference<"query", Record<string, Value>, Value>(path), fnArgs);
          break;
        case "mutation":
          value = await acc.mutation(makeFunctionReference<"mutation", Record<string, Value>, Value>(path), fnArgs);
          break;
        case "action":
          value = await acc.action(makeFunctionReference<"action", Record<string, Value>, Value>(path), fnArgs);
          break;
      }
      return { success: true, value: convexToJson(value === undefined ? null : (value as Value)) };
    } catch (err) {
      const outcome = this.failure(err);
      if (!opts.quiet) this.logFailure(path, outcome, err);
      return outcome;
    }
  }

  logFailure(path: string, outcome: Outcome, err?: unknown): void {
    if (outcome.success) return;
    if (outcome.errorData !== undefined) this.log(`[convex] ${path} threw ConvexError ${JSON.stringify(outcome.errorData)}`);
    else this.log(`[convex] ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : outcome.errorMessage}`);
  }

  private failure(err: unknown): Outcome & { success: false } {
    if (isConvexError(err)) {
      let errorData: JSONValue;
      try {
        errorData = convexToJson(err.data);
      } catch {
        errorData = String(err.data);
      }
      return { success: false, errorMessage: `Uncaught ConvexError: ${err.message}`, errorData };
    }
    const e = err instanceof Error ? err : new Error(String(err));
    return { success: false, errorMessage: `Uncaught ${e.name}: ${e.message}` };
  }
}
