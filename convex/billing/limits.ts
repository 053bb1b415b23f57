// Bounds shared by reads (queries) and writes (sync actions/mutations). A
// module of its own, with no imports, so a query's module graph never pulls
// in what the sync path needs (autumn-js, zod): see deploy.test.ts.

/** Catalogs are small; this bound keeps every catalog read finite all the same. */
export const MAX_CATALOG_ROWS = 500;
