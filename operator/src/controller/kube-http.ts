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

/**
 * GETs a path and returns the JSON body as sent, through client-node's own transport and
 * authentication (client certificates, tokens, exec plugins). Used for the informer's list so
 * listed objects are plain JSON exactly like watched ones: the typed list calls turn timestamps
 * into Date objects, and a cache mixing both shapes misleads any comparison.
 */
export async function getJson<T>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined> = {},
  signal?: AbortSignal,
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  if (signal) ctx.setSignal(signal);
  await kc.applySecurityAuthentication(ctx);
  const res = await http.send(ctx).toPromise();
  const text = await res.body.text();
  if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
    throw new KubeHttpError(res.httpStatusCode, `GET ${path}: ${res.httpStatusCode} ${statusMessage(text)}`);
  }
  return JSON.parse(text) as T;
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
