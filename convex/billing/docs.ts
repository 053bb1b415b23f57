// Document helpers shared by the module (the convex-helpers
// `omitSystemFields` idea, without the dependency on its validator utils).

/** A document without Convex's system fields (`_id`, `_creationTime`): the shape a `returns:` of the table's fields expects. */
export function omitSystemFields<T extends { _id: unknown; _creationTime: number }>(doc: T): Omit<T, "_id" | "_creationTime"> {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}
