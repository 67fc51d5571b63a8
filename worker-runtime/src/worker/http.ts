import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * /healthz (the process serves requests), /readyz (it is consuming: false while NATS is down or
 * the consume loop restarts, so Kubernetes stops counting it) and /metrics for Prometheus.
 */
export function startHealthServer(opts: { host: string; port: number; ready: () => boolean; registry: Registry }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = opts.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not consuming\n');
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}
