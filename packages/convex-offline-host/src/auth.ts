// JWT verification the way a Convex deployment does it, driven by the
// app's own convex/auth.config.ts: find the provider by issuer (and
// audience = applicationID), verify the signature against the provider's
// JWKS and check exp/nbf, then map the claims to a UserIdentity.
//
// The JWKS of better-auth's Convex plugin is served by the app itself
// (/api/auth/convex/jwks): URLs on the host's own site are fetched through
// convex-test's t.fetch, never over the network.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import type { UserIdentity } from "convex/server";
import type { JSONValue } from "convex/values";

export type Fetcher = (url: string) => Promise<Response>;

export interface Provider {
  issuer: string;
  /** Expected `aud`; undefined = not checked (customJwt without applicationID). */
  applicationID: string | undefined;
  algorithms: string[] | undefined;
  /** A JWKS URL, or undefined for OIDC providers (discovered). */
  jwks: string | undefined;
}

/** Narrow `export default { providers: [...] }` from auth.config.ts. */
export function parseAuthConfig(config: unknown): Provider[] {
  if (typeof config !== "object" || config === null || !("providers" in config)) return [];
  const providers: unknown = config.providers;
  if (!Array.isArray(providers)) return [];
  const out: Provider[] = [];
  for (const p of providers as unknown[]) {
    if (typeof p !== "object" || p === null) continue;
    const rec = p as Record<string, unknown>;
    const appId = typeof rec.applicationID === "string" ? rec.applicationID : undefined;
    if (rec.type === "customJwt" && typeof rec.issuer === "string" && typeof rec.jwks === "string") {
      out.push({
        issuer: rec.issuer,
        applicationID: appId,
        algorithms: typeof rec.algorithm === "string" ? [rec.algorithm] : undefined,
        jwks: rec.jwks,
      });
    } else if (typeof rec.domain === "string") {
      // OIDC provider: iss must equal the domain, aud the applicationID.
      out.push({ issuer: rec.domain, applicationID: appId, algorithms: ["RS256"], jwks: undefined });
    }
  }
  return out;
}

export class AuthFailure extends Error {
  constructor(
    message: string,
    /** True when the token is valid but has expired (Convex's "TokenExpired"). */
    readonly expired = false,
  ) {
    super(message);
  }
}

export interface VerifiedToken {
  identity: UserIdentity;
  /** Expiry in ms since the epoch, or null when the token has none. */
  expiresAt: number | null;
}

/** Standard registered claims that are not part of the identity's custom claims. */
const REGISTERED = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti"]);

/** OIDC claim → UserIdentity attribute (the inverse of convex-test's JWT_CLAIM_BY_IDENTITY_ATTRIBUTE). */
const ATTRIBUTE_BY_CLAIM: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};

export function identityFromClaims(payload: JWTPayload): UserIdentity {
  const iss = payload.iss ?? "";
  const sub = payload.sub ?? "";
  const identity: Record<string, JSONValue> = {};
  for (const [claim, value] of Object.entries(payload)) {
    if (REGISTERED.has(claim) || value === undefined) continue;
    const attr = ATTRIBUTE_BY_CLAIM[claim] ?? claim;
    // Convex stores updated_at as a string.
    identity[attr] = attr === "updatedAt" && typeof value === "number" ? String(value) : (value as JSONValue);
  }
  return { ...identity, subject: sub, issuer: iss, tokenIdentifier: `${iss}|${sub}` };
}

export class TokenVerifier {
  private readonly jwksCache = new Map<string, { set: ReturnType<typeof createLocalJWKSet>; kids: Set<string>; fetchedAt: number }>();

  constructor(
    private readonly providers: Provider[],
    private readonly fetcher: Fetcher,
    private readonly now: () => number = Date.now,
  ) {}

  get configured(): boolean {
    return this.providers.length > 0;
  }

  async verify(token: string): Promise<VerifiedToken> {
    let claims: JWTPayload;
    try {
      decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new AuthFailure("Could not parse JWT payload. Check that the token is a valid JWT format.");
    }
    const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const provider = this.providers.find(
      (p) => p.issuer === claims.iss && (p.applicationID === undefined || audiences.includes(p.applicationID)),
    );
    if (!provider) {
      const configured = this.providers.map((p) => `${p.issuer} (aud ${p.applicationID ?? "any"})`).join(", ");
      throw new AuthFailure(
        `No auth provider found matching the given token (${this.providers.length === 0 ? "no providers configured" : `configured: ${configured}`}). ` +
          `Check that your JWT's issuer and audience match one of your configured providers in convex/auth.config.ts.`,
      );
    }
    const header = decodeProtectedHeader(token);
    const kid = typeof header.kid === "string" ? header.kid : undefined;
    let keys = await this.keySet(provider, false);
    if (kid !== undefined && !keys.kids.has(kid)) keys = await this.keySet(provider, true); // key rotation
    try {
      const { payload } = await jwtVerify(token, keys.set, {
        issuer: provider.issuer,
        ...(provider.applicationID !== undefined ? { audience: provider.applicationID } : {}),
        ...(provider.algorithms ? { algorithms: provider.algorithms } : {}),
        currentDate: new Date(this.now()),
      });
      if (typeof payload.sub !== "string") throw new AuthFailure("Token is missing the `sub` claim.");
      return { identity: identityFromClaims(payload), expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : null };
    } catch (err) {
      if (err instanceof AuthFailure) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new AuthFailure("Token expired", true);
      const reason = err instanceof Error ? err.message : String(err);
      throw new AuthFailure(
        `Could not verify token claim. Check that the token signature is valid and the token hasn't expired. (${reason})`,
      );
    }
  }

  private async keySet(provider: Provider, refresh: boolean) {
    const cacheKey = provider.issuer;
    const cached = this.jwksCache.get(cacheKey);
    // Refetch on an unknown kid, but at most once per second.
    if (cached && (!refresh || Date.now() - cached.fetchedAt < 1000)) return cached;
    const jwksUrl = provider.jwks ?? (await this.discoverJwks(provider.issuer));
    const jwks = await this.fetchJson(jwksUrl);
    if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
      throw new AuthFailure(`JWKS at ${jwksUrl} is not a key set`);
    }
    const set = jwks as JSONWebKeySet;
    const entry = {
      set: createLocalJWKSet(set),
      kids: new Set(set.keys.map((k) => k.kid).filter((k): k is string => typeof k === "string")),
      fetchedAt: Date.now(),
    };
    this.jwksCache.set(cacheKey, entry);
    return entry;
  }

  private async discoverJwks(domain: string): Promise<string> {
    const config = await this.fetchJson(`${domain.replace(/\/$/, "")}/.well-known/openid-configuration`);
    const uri = typeof config === "object" && config !== null ? (config as { jwks_uri?: unknown }).jwks_uri : undefined;
    if (typeof uri !== "string") throw new AuthFailure(`No jwks_uri in the OpenID configuration of ${domain}`);
    return uri;
  }

  private async fetchJson(url: string): Promise<unknown> {
    if (url.startsWith("data:")) {
      const comma = url.indexOf(",");
      const meta = url.slice(5, comma);
      const data = url.slice(comma + 1);
      const text = meta.endsWith(";base64") ? Buffer.from(data, "base64").toString("utf8") : decodeURIComponent(data);
      return JSON.parse(text) as unknown;
    }
    const res = await this.fetcher(url);
    if (!res.ok) throw new AuthFailure(`Fetching ${url} failed: ${res.status}`);
    return (await res.json()) as unknown;
  }
}
