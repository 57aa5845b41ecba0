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

/** A BCP 47 language tag: a primary language with optional script/region subtags ("ur", "pt-BR", "zh-Hans"). */
export const LANGUAGE_CODE_MAX = 35;
export const languageCodeSchema = z
  .string()
  .trim()
  .max(LANGUAGE_CODE_MAX)
  .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, "a language code such as en, ur, hi, ar or pt-BR");
export type LanguageCode = z.infer<typeof languageCodeSchema>;

/** Profile as stored and as it appears in the JWT: absent fields are null. */
export const readerProfileSchema = z.object({
  softwareBackground: backgroundLevelSchema.nullable(),
  hardwareBackground: backgroundLevelSchema.nullable(),
  interestArea: interestAreaSchema.nullable(),
  /**
   * The language the reader wants chat answers in (issue 15); null or absent = the book's. Optional, so tokens and
   * profiles from before the field still parse (absent reads as null).
   */
  preferredLanguage: languageCodeSchema.nullable().optional(),
});
export type ReaderProfile = z.infer<typeof readerProfileSchema>;
