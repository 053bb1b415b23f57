// A speed-up for convex-test's in-memory database, used by the benchmarks only
// (bench/vitest.config.ts appends a call to `accelerate` to convex-test's
// module when it is loaded for `pnpm bench`).
//
// Why: convex-test 0.0.60 answers every query, indexed or not, by walking every
// document id in the database (`_iterateDocs`). Real Convex walks an index
// range. At 10k organizations each by_organizationId lookup costs a 10k-row
// scan, so the reconcile benchmark would measure the harness, not the module
// (an hour instead of seconds). This keeps, per database, the ids of each
// table and a hash index for equality on string fields (the `q.eq(field,
// "…")` lookups), maintained on every top-level commit, and hands
// `_iterateDocs` only the candidates. Semantics are unchanged: the candidates
// are a superset of the matching documents (every uncommitted write of the
// table is always included), convex-test still applies every range filter,
// sorts, paginates and counts documents read/written exactly as before.
// Queries with no equality on a string field (a table scan, a range over an
// index, e.g. the reconcile's pages of organizations) are resolved once per
// version of their table: the sorted result is kept until a commit touches
// that table, and is never used while the running transaction has uncommitted
// writes to it (convex-test re-sorts the whole table on every page otherwise).
// Set BENCH_FAST_INDEX=0 to run without it; `pnpm bench` (the "harness"
// step, bench/harness-check.ts) runs the reconcile at N=1000 both ways and
// prints whether every count (Autumn calls, function runs, documents read and
// written, per function and route) is the same.
//
// It relies on convex-test's private DatabaseFake shape; if that shape is not
// there (another version), it does nothing and says so.

type Doc = Record<string, unknown>;
interface RangeFilter { type: string; fieldPath: string; value: unknown }
interface QuerySource { type: string; tableName?: string; indexName?: string; range?: RangeFilter[] }
interface Query { source: QuerySource }
interface Fake {
  _documents: Record<string, Doc>;
  _writes: Array<Record<string, Doc | null>>;
  get(table: string, id: string): Doc | null;
  _iterateDocs(table: string, cb: (doc: Doc) => void): void;
  _resolveQuerySource(query: Query): unknown;
  commit(commitTs?: unknown): void;
}
interface Index {
  tables: Map<string, Set<string>>;
  /** `${table}\u0000${field}` → string value → ids. */
  eq: Map<string, Map<string, Set<string>>>;
  hint: { table: string; field: string; value: string } | null;
  /** Commits that touched each table (the version a resolved query is valid for). */
  versions: Map<string, number>;
  /** JSON of a query with no string equality → its resolved, sorted source at a table version. */
  resolved: Map<string, { table: string; version: number; result: unknown }>;
}
const MAX_RESOLVED = 64;

const indexes = new WeakMap<Fake, Index>();

export function accelerate(DatabaseFake: { prototype: Fake }, tableNameFromId: (id: string) => string | null): void {
  const proto = DatabaseFake.prototype;
  if (process.env.BENCH_FAST_INDEX === "0") return;
  if (typeof proto._iterateDocs !== "function" || typeof proto._resolveQuerySource !== "function" || typeof proto.commit !== "function") {
    process.stderr.write("[bench] harness-index: convex-test internals not recognised; running without the index\n");
    return;
  }

  const build = (db: Fake): Index => {
    let idx = indexes.get(db);
    if (idx) return idx;
    idx = { tables: new Map(), eq: new Map(), hint: null, versions: new Map(), resolved: new Map() };
    for (const id of Object.keys(db._documents)) {
      const table = tableNameFromId(id);
      if (table === null) continue;
      let ids = idx.tables.get(table);
      if (!ids) idx.tables.set(table, (ids = new Set()));
      ids.add(id);
    }
    indexes.set(db, idx);
    return idx;
  };

  const eqIndex = (db: Fake, idx: Index, table: string, field: string): Map<string, Set<string>> => {
    const key = `${table}\u0000${field}`;
    let map = idx.eq.get(key);
    if (map) return map;
    map = new Map();
    for (const id of idx.tables.get(table) ?? []) {
      const value = db._documents[id]?.[field];
      if (typeof value !== "string") continue;
      let ids = map.get(value);
      if (!ids) map.set(value, (ids = new Set()));
      ids.add(id);
    }
    idx.eq.set(key, map);
    return map;
  };

  const originalCommit = proto.commit;
  proto.commit = function (this: Fake, commitTs?: unknown) {
    const idx = indexes.get(this);
    const top = this._writes.length === 1 ? this._writes[0] : undefined;
    const before = idx && top ? Object.keys(top).map((id) => [id, this._documents[id] ?? null] as const) : [];
    originalCommit.call(this, commitTs);
    if (!idx) return;
    for (const [id, old] of before) {
      const table = tableNameFromId(id);
      if (table === null) continue;
      const now = this._documents[id] ?? null;
      idx.versions.set(table, (idx.versions.get(table) ?? 0) + 1);
      let ids = idx.tables.get(table);
      if (!ids) idx.tables.set(table, (ids = new Set()));
      if (now) ids.add(id);
      else ids.delete(id);
      for (const [key, map] of idx.eq) {
        const [t, field] = key.split("\u0000") as [string, string];
        if (t !== table) continue;
        const was = old?.[field];
        const is = now?.[field];
        if (was === is) continue;
        if (typeof was === "string") map.get(was)?.delete(id);
        if (typeof is === "string") {
          let set = map.get(is);
          if (!set) map.set(is, (set = new Set()));
          set.add(id);
        }
      }
    }
  };

  proto._iterateDocs = function (this: Fake, table: string, cb: (doc: Doc) => void) {
    const idx = build(this);
    const hint = idx.hint && idx.hint.table === table ? idx.hint : null;
    const committed = hint ? eqIndex(this, idx, table, hint.field).get(hint.value) : idx.tables.get(table);
    const ids = new Set(committed ?? []);
    for (const level of this._writes) {
      for (const id of Object.keys(level)) if (tableNameFromId(id) === table) ids.add(id);
    }
    for (const id of ids) {
      const doc = this.get(table, id);
      if (doc !== null) cb(doc);
    }
  };

  const originalResolve = proto._resolveQuerySource;
  const resolveWithHint = function (this: Fake, query: Query): unknown {
    const source = query.source;
    const eq = source.type === "IndexRange"
      ? source.range?.find((f) => f.type === "Eq" && typeof f.value === "string" && !f.fieldPath.includes("."))
      : undefined;
    if (!eq || !source.indexName) return originalResolve.call(this, query);
    const idx = build(this);
    idx.hint = { table: source.indexName.split(".")[0] as string, field: eq.fieldPath, value: eq.value as string };
    try {
      return originalResolve.call(this, query);
    } finally {
      idx.hint = null;
    }
  };
  proto._resolveQuerySource = function (this: Fake, query: Query) {
    const source = query.source;
    const table = source.type === "FullTableScan" ? source.tableName
      : source.type === "IndexRange" && !source.range?.some((f) => f.type === "Eq" && typeof f.value === "string" && !f.fieldPath.includes("."))
        ? source.indexName?.split(".")[0] : undefined;
    if (!table) return resolveWithHint.call(this, query);
    // Uncommitted writes to the table in this transaction: resolve afresh.
    if (this._writes.some((level) => Object.keys(level).some((id) => tableNameFromId(id) === table))) return resolveWithHint.call(this, query);
    let key: string;
    try {
      key = JSON.stringify(query);
    } catch {
      return resolveWithHint.call(this, query); // e.g. a bigint in a range
    }
    const idx = build(this);
    const version = idx.versions.get(table) ?? 0;
    const hit = idx.resolved.get(key);
    if (hit && hit.table === table && hit.version === version) return hit.result;
    const result = resolveWithHint.call(this, query);
    if (idx.resolved.size >= MAX_RESOLVED) idx.resolved.clear();
    idx.resolved.set(key, { table, version, result });
    return result;
  };
}
