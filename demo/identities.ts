/** The demo's fixed bearer tokens and who they stand for (documented in the README). */
import type { Request } from 'express';
import type { Identity } from 'asyncapi-sse/runtime';

const DEMO_TOKENS: Readonly<Record<string, Identity>> = {
  'user-token': { id: 'u1', scopes: ['notifications:read'] },
  'user2-token': { id: 'u2', scopes: ['notifications:read'] },
  'admin-token': { id: 'admin', roles: ['admin'] },
};

const BEARER = /^Bearer\s+(\S+)$/i;

/** The identity behind the request's `Authorization: Bearer <token>`, or null. */
export function authenticate(req: Request): Identity | null {
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  return (token !== undefined && Object.hasOwn(DEMO_TOKENS, token) && DEMO_TOKENS[token]) || null;
}
