// Step 2: the app's own auth. This example trusts JWTs from its own issuer
// (Convex's custom-JWT provider). The token's `sub` is the user's id in the
// `users` table and its `org` claim is the organization the user is acting in.
export default {
  providers: [
    {
      type: "customJwt",
      applicationID: "minimal-example",
      issuer: process.env.AUTH_ISSUER ?? "https://auth.minimal.example",
      jwks: process.env.AUTH_JWKS_URL ?? "https://auth.minimal.example/.well-known/jwks.json",
      algorithm: "RS256",
    },
  ],
};
