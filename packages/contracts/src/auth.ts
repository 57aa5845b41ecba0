// Bodies of the auth-service routes we add on top of Better Auth's.
import { z } from "zod";
import { readerProfileSchema } from "./profile.ts";

export const publicUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    image: z.string().nullable().optional(),
    createdAt: z.union([z.string(), z.date()]),
    updatedAt: z.union([z.string(), z.date()]),
  })
  .extend(readerProfileSchema.shape);
export type PublicUser = z.infer<typeof publicUserSchema>;

/** GET /api/auth/jwt */
export const jwtResponseSchema = z.object({ token: z.string(), user: publicUserSchema });
export type JwtResponse = z.infer<typeof jwtResponseSchema>;

/** Header on sign-in / sign-up responses carrying a fresh access token. */
export const SET_AUTH_JWT_HEADER = "set-auth-jwt";

/** GET /health of either service */
export const healthSchema = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  service: z.enum(["auth-service", "api-service"]),
});
