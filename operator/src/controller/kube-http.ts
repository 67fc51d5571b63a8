import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';

/** A non-2xx answer from the API server, with the code client-node's own errors also carry. */
export class KubeHttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'KubeHttpError';
    this.statusCode = statusCode;
  }
}

const http = new IsomorphicFetchHttpLibrary();

export interface KubeRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Gives up (rejects) when this aborts, e.g. `AbortSignal.timeout(ms)`. */
  signal?: AbortSignal;
}

/**
 * One API request through client-node's own transport and authentication (client certificates,
 * tokens, exec plugins), answering the JSON body exactly as sent. The typed API classes turn
 * timestamps into Date objects (and leave MicroTime fields as strings despite their types); for
 * the informer's list and the Lease this plain form is what we want.
 */
export async function requestJson<T>(kc: KubeConfig, req: KubeRequest): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), req.method);
  ctx.setHeaderParam('Accept', 'application/json');
  if (req.body !== undefined) {
    ctx.setHeaderParam('Content-Type', 'application/json');
    ctx.setBody(JSON.stringify(req.body));
  }
  if (req.signal) ctx.setSignal(req.signal);
  await kc.applySecurityAuthentication(ctx);
  const res = await http.send(ctx).toPromise();
  const text = await res.body.text();
  if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
    throw new KubeHttpError(res.httpStatusCode, `${req.method} ${req.path}: ${res.httpStatusCode} ${statusMessage(text)}`);
  }
  return JSON.parse(text) as T;
}

export function getJson<T>(
  kc: KubeConfig,
  path: string,
  query?: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  return requestJson<T>(kc, { method: HttpMethod.GET, path, query, signal });
}

/** The `message` of a Kubernetes Status body, else the start of the body. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not JSON: fall through
  }
  return body.slice(0, 200);
}

/** The HTTP status of a failed API call (client-node's ApiException or ours), if it has one. */
export function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}
