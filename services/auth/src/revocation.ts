// The revocation path of the auth-service: marks a session id (or an API key's token sid) as ended for the api-service.
import { REVOKED_SESSION_PREFIX } from "@ai-book/contracts";
import type { Redis } from "ioredis";

/**
 * Today the api-service reads revoked ids from Redis (no Redis: tokens live until they expire). Sessions, bans,
 * refresh-token reuse and API-key revocation all end up here, so a different transport replaces this one module.
 */
export interface Revocation {
  /** `ttlS`: how long a token naming `sid` can still be valid (its issuer's longest lifetime). */
  revoke(sid: string, ttlS: number): Promise<void>;
}

export function createRevocation(redis: Redis | undefined): Revocation {
  return {
    async revoke(sid, ttlS) {
      if (!redis) return;
      await redis.set(`${REVOKED_SESSION_PREFIX}${sid}`, "1", "EX", Math.max(1, Math.ceil(ttlS)));
    },
  };
}
