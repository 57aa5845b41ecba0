// The api-service's Hono environment: the context variables its middleware set and its routes read.
import type { JwtClaims } from "@ai-book/contracts";
import type { AppVariables } from "@ai-book/http";

export interface ApiEnv {
  Variables: AppVariables & {
    /** The verified token's claims; set by jwtAuth. */
    claims: JwtClaims;
  };
}
