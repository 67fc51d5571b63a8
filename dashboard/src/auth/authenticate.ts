import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseCookies } from '../http/security.ts';
import type { Identity } from './rbac.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * How the dashboard learns who is asking:
 * - `token`: the user's Kubernetes bearer token (Authorization header, or the HttpOnly cookie the
 *   login form sets), checked with a TokenReview.
 * - `header`: an auth proxy in front (oauth2-proxy, ...) sets the user and groups headers. Only
 *   safe when nothing but the proxy can reach the dashboard; off unless chosen.
 * - `kubeconfig`: local use (demo, tests, `celeriac-dashboard` on a laptop): everyone is the
 *   kubeconfig's user, and RBAC questions are SelfSubjectAccessReviews.
 */
export type AuthMode = 'token' | 'header' | 'kubeconfig';
export const AUTH_MODES: readonly AuthMode[] = ['token', 'header', 'kubeconfig'];

export const TOKEN_COOKIE = 'celeriac_token';

export interface AuthOptions {
  mode: AuthMode;
  userHeader: string;
  groupsHeader: string;
  reviewCacheMs: number;
}

/** The bearer token of a request, from its Authorization header or the login cookie. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h?.toLowerCase().startsWith('bearer ')) return h.slice(7).trim() || undefined;
  return parseCookies(req.headers.cookie)[TOKEN_COOKIE] || undefined;
}

export class Authenticator {
  readonly mode: AuthMode;
  private readonly opts: AuthOptions;
  private readonly api: AuthenticationV1Api;
  private readonly reviews: TtlCache<Identity | undefined>;

  constructor(kc: KubeConfig, opts: AuthOptions) {
    this.mode = opts.mode;
    this.opts = opts;
    this.api = kc.makeApiClient(AuthenticationV1Api);
    this.reviews = new TtlCache(opts.reviewCacheMs);
  }

  /** The identity of the request, or undefined (not logged in, or a token the API server refused). */
  async identify(req: IncomingMessage): Promise<Identity | undefined> {
    if (this.mode === 'kubeconfig') return { user: 'kubeconfig', groups: [], self: true };
    if (this.mode === 'header') {
      const user = req.headers[this.opts.userHeader.toLowerCase()];
      if (typeof user !== 'string' || !user) return undefined;
      const raw = req.headers[this.opts.groupsHeader.toLowerCase()];
      const groups = (Array.isArray(raw) ? raw : [raw ?? '']).flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
      return { user, groups };
    }
    const token = bearerToken(req);
    if (!token) return undefined;
    // Keyed by the token's hash: the cache never holds a usable token.
    const key = createHash('sha256').update(token).digest('hex');
    return this.reviews.get(key, async () => {
      const r = await this.api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
      const u = r.status?.user;
      return r.status?.authenticated && u?.username ? { user: u.username, groups: u.groups ?? [] } : undefined;
    });
  }
}
