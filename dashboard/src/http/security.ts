import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers on every response. The CSP allows no inline script or style (the pages load
 * /static/app.js and /static/style.css only), no framing (clickjacking on the action buttons),
 * and form posts to this origin only.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form
  // posts, which the CSRF check must refuse. Other sites still get no Referer.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'cache-control': 'no-store',
};

export const CSRF_COOKIE = 'celeriac_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // a malformed cookie is ignored, not fatal
    }
  }
  return out;
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A Set-Cookie value. SameSite=Strict keeps the cookie off cross-site requests altogether. */
export function cookie(name: string, value: string, opts: { secure: boolean; maxAgeS?: number }): string {
  return [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(opts.secure ? ['Secure'] : []), ...(opts.maxAgeS !== undefined ? [`Max-Age=${opts.maxAgeS}`] : [])].join('; ');
}

export type CsrfVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A state-changing request must (1) come from this origin when the browser says where it comes
 * from (Origin, which browsers send on every POST), and (2) carry the token of its CSRF cookie in the form field or header (double
 * submit: another site can neither read the cookie nor set it for us). Pure: tested by table.
 */
export function checkCsrf(headers: IncomingHttpHeaders, submitted: string | undefined): CsrfVerdict {
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return { ok: false, reason: 'malformed Origin header' };
    }
    if (host !== headers.host) return { ok: false, reason: 'cross-origin request' };
  } else if (origin === 'null') {
    return { ok: false, reason: 'opaque origin' };
  }
  const expected = parseCookies(headers.cookie)[CSRF_COOKIE];
  if (!expected) return { ok: false, reason: 'no CSRF cookie (reload the page)' };
  if (!submitted) return { ok: false, reason: 'no CSRF token in the request' };
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'CSRF token does not match (reload the page)' };
  return { ok: true };
}
