// Test-only (multi-dot name: never deployed). convex-test's `db.get` returns
// null for a string that is not an id; a real deployment's THROWS ("Unable to
// decode ID"). `withRealDbGet(map)` wraps a module map so every function's
// `ctx.db.get` behaves like the real one, so a test can prove an id is
// validated (normalizeId) before it reaches a lookup.
type ModuleMap = Record<string, () => Promise<unknown>>;
interface Registered { _handler: (ctx: unknown, args: unknown) => unknown }

/** convex-test's ids are "<counter><table>"; anything else would not decode on a real deployment. */
export function decodableInConvexTest(id: unknown): boolean {
  return typeof id === "string" && /^[0-9]+[A-Za-z_][A-Za-z0-9_]*$/.test(id);
}

function realDb(db: object): object {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== "get" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const id = args.length >= 2 ? args[1] : args[0];
        if (!decodableInConvexTest(id)) throw new Error(`Invalid argument \`id\` for \`db.get\`: Unable to decode ID: ${String(id)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A registered Convex function as convex-test runs it: a function object carrying `_handler`. */
function isRegistered(value: unknown): value is Registered {
  return typeof value === "function" && "_handler" in value && typeof value._handler === "function";
}

export function withRealDbGet<M extends ModuleMap>(map: M): M {
  return Object.fromEntries(Object.entries(map).map(([path, load]) => [path, async () => {
    const mod = (await load()) as Record<string, unknown>;
    const out: Record<string, unknown> = { ...mod };
    for (const [name, value] of Object.entries(mod)) {
      if (!isRegistered(value)) continue;
      const f = value;
      const wrapped = Object.assign(Object.create(Object.getPrototypeOf(f)) as object, f, {
        _handler: (ctx: { db?: object }, args: unknown) => f._handler(ctx.db ? { ...ctx, db: realDb(ctx.db) } : ctx, args),
      });
      out[name] = wrapped;
    }
    return out;
  }])) as M;
}
