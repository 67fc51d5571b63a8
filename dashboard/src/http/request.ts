import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Html } from '../html.ts';

/** An error that is the response: a status and a message safe to show the user. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, `request body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A urlencoded form's fields (the last value of a repeated field). */
export async function readForm(req: IncomingMessage, maxBytes: number): Promise<Record<string, string>> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpError(415, 'send the form as application/x-www-form-urlencoded');
  return Object.fromEntries(new URLSearchParams(await readBody(req, maxBytes)));
}

export function sendHtml(res: ServerResponse, status: number, body: Html): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body.text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** After a POST: back to a page, with the outcome in the query (Post/Redirect/Get). */
export function redirect(res: ServerResponse, to: string, notice?: { text: string; error?: boolean }): void {
  const url = new URL(to, 'http://x');
  if (notice) url.searchParams.set(notice.error ? 'error' : 'done', notice.text);
  res.writeHead(303, { location: url.pathname + url.search }).end();
}
