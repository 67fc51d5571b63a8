import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../auth/rbac.ts';
import type { PageContext } from '../views/layout.ts';

/** One request as the routes see it. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  who: Identity;
  page: PageContext;
}
