import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy that can drop the network on demand: `cut()` resets every connection and
 * every new one until `restore()`. Puts a real client through a real outage without touching the
 * server (TLS passes through untouched, and 127.0.0.1 stays the host the certificate names).
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  /** Holds back everything the server sends (replies, acks) until `release()`; the client's writes still pass. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const links = new Set<{ client: Socket; upstream: Socket }>();
  let down = false;
  let held = false;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    const link = { client, upstream };
    links.add(link);
    if (held) upstream.pause();
    else upstream.pipe(client);
    client.on('close', () => {
      links.delete(link);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    hold() {
      held = true;
      for (const l of links) {
        l.upstream.unpipe(l.client);
        l.upstream.pause();
      }
    },
    release() {
      held = false;
      for (const l of links) l.upstream.pipe(l.client);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
