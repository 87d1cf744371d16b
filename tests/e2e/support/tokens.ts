/** Access tokens for a server started with `--auth-secret`, signed as `tandem token` would. */
import { signAccessToken, type Role } from '../../../sync-server/access/access-token.js';

export const AUTH_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';
const key = { alg: 'HS256' as const, key: new TextEncoder().encode(AUTH_SECRET) };

export function mintToken(user: string, name: string, role: Role, docs: string[]): Promise<string> {
  return signAccessToken({ user, name, docs, role, ttlSeconds: 3600 }, key);
}
