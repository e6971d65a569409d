/**
 * Endpoint security: who is calling (`authenticate`) and whether they may (scopes, roles).
 */
import type { Request } from 'express';
import { HttpProblem } from './problem.js';
import type { EndpointSpec, Identity, SecurityScheme } from './types.js';

export type Authenticate = (req: Request) => Identity | null | Promise<Identity | null>;

/** The `WWW-Authenticate` challenge a scheme answers with. */
function challenge(scheme: SecurityScheme, realm: string): string {
  if (scheme.type === 'http' && scheme.scheme === 'basic') return `Basic realm="${realm}", charset="UTF-8"`;
  if ((scheme.type === 'httpApiKey' || scheme.type === 'apiKey') && scheme.paramName) {
    return `ApiKey realm="${realm}", ${scheme.in ?? 'header'}="${scheme.paramName}"`;
  }
  return `Bearer realm="${realm}"`;
}

/**
 * The realm as the content of a quoted-string: quotes escaped, and every character outside
 * printable ASCII percent-encoded as UTF-8, since Node refuses header values above U+00FF (a
 * service titled `流` would otherwise answer every 401 with a 500).
 */
function realmText(realm: string): string {
  const percentEncoded = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return realm.replace(/["\\]/g, '\\$&').replace(/[^\x20-\x7e]/gu, percentEncoded);
}

/** The challenge of a route that takes whatever `authenticate` accepts (the connection inspector's). */
export function bearerChallenge(realm: string): string {
  return `Bearer realm="${realmText(realm)}"`;
}

export function challenges(endpoint: EndpointSpec, realm: string): string {
  const quoted = realmText(realm);
  const all = endpoint.security.flatMap((requirement) => requirement.schemes.map((scheme) => challenge(scheme, quoted)));
  return [...new Set(all)].join(', ');
}

function hasAll(granted: string[] | undefined, required: string[]): boolean {
  return required.every((item) => granted?.includes(item) ?? false);
}

/**
 * Resolves the caller of a secured endpoint: throws 401 (no identity) or 403 (scopes or roles
 * missing). Public endpoints resolve to `null` without calling `authenticate`.
 */
export async function authorize(endpoint: EndpointSpec, req: Request, authenticate: Authenticate, realm: string): Promise<Identity | null> {
  if (endpoint.security.length === 0) return null;
  const identity = await authenticate(req);
  if (!identity) {
    throw new HttpProblem(401, 'Authentication required', { 'WWW-Authenticate': challenges(endpoint, realm) });
  }
  if (!endpoint.security.some((requirement) => hasAll(identity.scopes, requirement.scopes))) {
    throw new HttpProblem(403, 'Missing a required scope');
  }
  const roles = endpoint.roles ?? [];
  if (roles.length > 0 && !roles.some((role) => identity.roles?.includes(role))) {
    throw new HttpProblem(403, 'Missing a required role');
  }
  return identity;
}
