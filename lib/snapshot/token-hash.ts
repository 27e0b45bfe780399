/** The stored form of a token: never the token itself, a salted HMAC of it. */
export const TOKEN_HASH_PATTERN = /^hmac-sha256:[0-9a-f]{32}:[0-9a-f]{64}$/;

// node:crypto is loaded by the first token hashed, not by import('rxdaemon') (P7: cold start).
const nodeCrypto = () => process.getBuiltinModule('node:crypto');

const digest = (salt: string, token: string): string => nodeCrypto().createHmac('sha256', salt).update(token, 'utf8').digest('hex');

/**
 * Hashes a token with a fresh random salt. Tokens are high-entropy secrets
 * (ACL tokens), so one keyed hash is enough; a slow KDF would make restoring
 * a thousand daemons take minutes.
 */
export const hashToken = (token: string): string => {
  const salt = nodeCrypto().randomBytes(16).toString('hex');
  return `hmac-sha256:${salt}:${digest(salt, token)}`;
};

/** Whether `token` is the one `hash` was made from, compared in constant time. */
export const tokenMatches = (token: string, hash: string): boolean => {
  const [, salt, expected] = hash.split(':');
  if (salt === undefined || expected === undefined) return false;
  const actual = Buffer.from(digest(salt, token), 'hex');
  const wanted = Buffer.from(expected, 'hex');
  return actual.length === wanted.length && nodeCrypto().timingSafeEqual(actual, wanted);
};
