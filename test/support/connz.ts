/** One client connection as nats-server's monitor reports it. */
export interface ServerConnection {
  cid: number;
  name?: string;
  /** The user it authenticated as (with `auth=true`). */
  authorized_user?: string;
}

/** The server's open client connections named `name` (all when unset), from its /connz endpoint. */
export async function serverConnections(monitorUrl: string, name?: string): Promise<ServerConnection[]> {
  const res = await fetch(`${monitorUrl}/connz?auth=true&limit=1024`);
  if (!res.ok) throw new Error(`connz answered ${res.status}`);
  const body = (await res.json()) as { connections?: ServerConnection[] };
  return (body.connections ?? []).filter((c) => name === undefined || c.name === name);
}

/** nats-server config lines for user/password users in the global account (JetStream available). */
export function usersConfig(users: Record<string, string>): string {
  const list = Object.entries(users).map(([user, password]) => `{ user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)} }`);
  return `authorization { users = [ ${list.join(', ')} ] }`;
}
