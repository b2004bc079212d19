// Bearer-token checks for REST and gRPC. Both sides are hashed first so the
// constant-time compare always sees equal lengths: neither the token's length
// nor how much of it matched shows in the time an answer takes.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** A check of an Authorization header value; without a token every request passes. */
export function bearerCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    // The hash is computed even for a malformed header, so that case takes the same time.
    const given = digest(match?.[1] ?? '');
    return timingSafeEqual(given, expected) && match !== null;
  };
}
