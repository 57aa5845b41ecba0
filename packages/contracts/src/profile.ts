// The reader profile: the background fields collected at sign-up and carried in every JWT.
import { z } from "zod";

export const BACKGROUND_LEVELS = ["Beginner", "Intermediate", "Advanced"] as const;
export const backgroundLevelSchema = z.enum(BACKGROUND_LEVELS);
export type BackgroundLevel = z.infer<typeof backgroundLevelSchema>;

/** Display names are shown and carried in every JWT: capped so a token stays small (issue 19, finding 8). */
export const NAME_MAX = 100;
export const INTEREST_AREA_MAX = 64;
export const interestAreaSchema = z.string().trim().min(1).max(INTEREST_AREA_MAX);

/** ASVS 4 V2.1.1: at least 12 characters (with a check against common passwords in the auth-service). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Profile as stored and as it appears in the JWT: absent fields are null. */
export const readerProfileSchema = z.object({
  softwareBackground: backgroundLevelSchema.nullable(),
  hardwareBackground: backgroundLevelSchema.nullable(),
  interestArea: interestAreaSchema.nullable(),
});
export type ReaderProfile = z.infer<typeof readerProfileSchema>;
