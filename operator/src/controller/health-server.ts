import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { silentLogger, type Logger } from './log.ts';

export interface HealthServerOptions {
  /** Default: 0 (any free port; read it back from `port`). */
  port?: number;
  /** Default: 0.0.0.0, since kubelet probes and Prometheus come from outside the pod. */
  host?: string;
  /** /readyz answers 200 while this is true (e.g. caches synced), else 503. */
  ready: () => boolean | Promise<boolean>;
  /** /healthz answers 200 while this is true. Default: always (the process answers). */
  live?: () => boolean | Promise<boolean>;
  /** Served on /metrics. */
  registry: Registry;
  logger?: Logger;
}

export interface HealthServer {
  readonly port: number;
  /** http://host:port, for tests and logs. */
  readonly url: string;
  close(): Promise<void>;
}

/** /healthz, /readyz and /metrics on one small node:http server (kubelet probes, Prometheus). */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const log = opts.logger ?? silentLogger;
  const live = opts.live ?? (() => true);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/healthz':
        return (await live()) ? send(res, 200, 'ok\n') : send(res, 503, 'unhealthy\n');
      case '/readyz':
        return (await opts.ready()) ? send(res, 200, 'ok\n') : send(res, 503, 'not ready\n');
      case '/metrics':
        return send(res, 200, await opts.registry.metrics(), opts.registry.contentType);
      default:
        return send(res, 404, 'not found\n');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url }, 'health endpoint failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    port,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (Prometheus scrapers) would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
