// Account panel: sign-in/up (password, providers, 2FA step, reset), the pending steps, and for a signed-in reader the
// profile editor, account settings, API keys and sign-out.
import {
  BACKGROUND_LEVELS,
  type BackgroundLevel,
  INTEREST_AREA_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from "@ai-book/contracts";
import { type ReactNode, useEffect, useId, useState } from "react";
import { answerLanguageOptions, SAME_AS_BOOK } from "../chapters/variant.ts";
import type { ProfileInput } from "../client/auth-client.ts";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import { DataSettings, TwoFactorSettings, VerifyEmailBanner } from "./AccountSettings.tsx";
import { ApiKeys } from "./ApiKeys.tsx";
import {
  AccountForm,
  EmailField,
  emailProblem,
  Field,
  type FieldErrors,
  FormError,
  PasswordField,
  TextField,
  useSubmit,
} from "./form-parts.tsx";
import {
  ForgotPasswordForm,
  ProviderButtons,
  ResetPasswordForm,
  TwoFactorChallenge,
} from "./SignInOptions.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";
import { DEFAULT_LANGUAGES, useCapabilities } from "./use-capabilities.ts";

function ProfileFields({
  value,
  onChange,
  errors,
}: {
  value: ProfileInput;
  onChange(next: ProfileInput): void;
  errors: FieldErrors;
}): ReactNode {
  const id = useId();
  const offered = useCapabilities()?.languages;
  const languages = answerLanguageOptions(
    offered?.length ? offered : DEFAULT_LANGUAGES,
    value.preferredLanguage,
  );
  const levelSelect = (key: "softwareBackground" | "hardwareBackground", label: string) => (
    <Field label={label} id={`${id}-${key}`} error={errors[key]}>
      <select
        id={`${id}-${key}`}
        name={key}
        value={value[key]}
        onChange={(event) => onChange({ ...value, [key]: event.target.value as BackgroundLevel })}
      >
        {BACKGROUND_LEVELS.map((level) => (
          <option key={level} value={level}>
            {level}
          </option>
        ))}
      </select>
    </Field>
  );
  return (
    <>
      {levelSelect("softwareBackground", "Software background")}
      {levelSelect("hardwareBackground", "Hardware background")}
      <TextField
        label="Interest area"
        id={`${id}-interest`}
        error={errors.interestArea}
        name="interestArea"
        type="text"
        maxLength={INTEREST_AREA_MAX}
        placeholder="e.g. humanoid locomotion"
        value={value.interestArea}
        onValue={(interestArea) => onChange({ ...value, interestArea })}
      />
      <Field label="Preferred language for answers" id={`${id}-language`} error={errors.preferredLanguage}>
        <select
          id={`${id}-language`}
          name="preferredLanguage"
          value={value.preferredLanguage ?? SAME_AS_BOOK}
          onChange={(event) => onChange({ ...value, preferredLanguage: event.target.value })}
        >
          {languages.map((option) => (
            <option key={option.value} value={option.value} lang={option.value || undefined}>
              {option.label}
            </option>
          ))}
        </select>
      </Field>
    </>
  );
}

function validateCredentials(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  const problem = emailProblem(email);
  if (problem) errors.email = problem;
  if (password.length < PASSWORD_MIN) errors.password = `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) errors.password = `Use at most ${PASSWORD_MAX} characters.`;
  return errors;
}

/** Puts a server error next to the field it is about, if any. */
function fieldOf(error: TutorErrorInfo): string | undefined {
  if (error.kind === "duplicate_email") return "email";
  if (error.kind === "weak_password") return "password";
  return undefined;
}

function SignInForm(): ReactNode {
  const { signIn } = useTutor();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useSubmit(async () => {
    const next: FieldErrors = {};
    if (!email.trim()) next.email = "Enter your email.";
    if (!password) next.password = "Enter your password.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    await signIn({ email: email.trim(), password });
  });
  return (
    <AccountForm
      label="Sign in"
      testId="tutor-sign-in"
      submit={submit}
      submitLabel="Sign in"
      busyLabel="Signing in…"
    >
      <EmailField id={`${id}-email`} error={errors.email} value={email} onValue={setEmail} />
      <PasswordField
        label="Password"
        id={`${id}-password`}
        error={errors.password}
        value={password}
        onValue={setPassword}
      />
    </AccountForm>
  );
}

const DEFAULT_PROFILE: ProfileInput = {
  softwareBackground: "Beginner",
  hardwareBackground: "Beginner",
  interestArea: "",
  preferredLanguage: SAME_AS_BOOK,
};

function SignUpForm(): ReactNode {
  const { signUp } = useTutor();
  const id = useId();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [profile, setProfile] = useState<ProfileInput>(DEFAULT_PROFILE);
  const [errors, setErrors] = useState<FieldErrors>({});
  const submit = useSubmit(async () => {
    const next = validateCredentials(email, password);
    if (!name.trim()) next.name = "Enter your name.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    try {
      await signUp({ name: name.trim(), email: email.trim(), password, ...profile });
    } catch (cause) {
      const info = toTutorError(cause).info;
      const field = fieldOf(info);
      if (field) setErrors({ [field]: info.message });
      throw cause;
    }
  });
  return (
    <AccountForm
      label="Create account"
      testId="tutor-sign-up"
      submit={submit}
      submitLabel="Create account"
      busyLabel="Creating account…"
      // An error about one field is shown beside it.
      error={submit.error && !fieldOf(submit.error) ? submit.error : null}
    >
      <TextField
        label="Name"
        id={`${id}-name`}
        error={errors.name}
        name="name"
        autoComplete="name"
        value={name}
        onValue={setName}
      />
      <EmailField id={`${id}-email`} error={errors.email} value={email} onValue={setEmail} />
      <PasswordField
        label={`Password (at least ${PASSWORD_MIN} characters)`}
        id={`${id}-password`}
        error={errors.password}
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
      />
      <ProfileFields value={profile} onChange={setProfile} errors={errors} />
    </AccountForm>
  );
}

function ProfileForm(): ReactNode {
  const { user, updateProfile, signOut } = useTutor();
  const [profile, setProfile] = useState<ProfileInput>({
    softwareBackground: user?.softwareBackground ?? "Beginner",
    hardwareBackground: user?.hardwareBackground ?? "Beginner",
    interestArea: user?.interestArea ?? "",
    preferredLanguage: user?.preferredLanguage ?? SAME_AS_BOOK,
  });
  const [saved, setSaved] = useState(false);
  const submit = useSubmit(async () => {
    setSaved(false);
    await updateProfile(profile);
    setSaved(true);
  });
  if (!user) return null;
  return (
    <div data-testid="tutor-profile">
      <p className={styles.whoami}>
        Signed in as <strong>{user.name}</strong> ({user.email})
      </p>
      <VerifyEmailBanner />
      <AccountForm
        label="Your background"
        submit={submit}
        submitLabel="Save profile"
        busyLabel="Saving…"
        status={saved ? "Saved. New answers use this profile." : ""}
      >
        <ProfileFields
          value={profile}
          onChange={(next) => {
            setProfile(next);
            setSaved(false);
          }}
          errors={{}}
        />
      </AccountForm>
      <button
        type="button"
        className="button button--secondary button--block margin-top--sm"
        onClick={() => void signOut()}
      >
        Sign out
      </button>
      <TwoFactorSettings />
      <ApiKeys />
      <DataSettings />
    </div>
  );
}

/** After a first provider sign-in: the reader profile, before the first JWT. */
function CompleteProfile(): ReactNode {
  const { account, updateProfile, signOut } = useTutor();
  const [profile, setProfile] = useState<ProfileInput>(DEFAULT_PROFILE);
  const submit = useSubmit(() => updateProfile(profile));
  return (
    <div data-testid="tutor-complete-profile">
      <p className={styles.whoami}>
        Welcome{account ? `, ${account.name}` : ""}! Tell the tutor about your background to start.
      </p>
      <AccountForm label="Your background" submit={submit} submitLabel="Continue" busyLabel="Saving…">
        <ProfileFields value={profile} onChange={setProfile} errors={{}} />
      </AccountForm>
      <button type="button" className={styles.linkButton} onClick={() => void signOut()}>
        Sign out
      </button>
    </div>
  );
}

/** REQUIRE_EMAIL_VERIFICATION: signed in, but no tutor until the mailed link is followed. */
function AwaitVerification(): ReactNode {
  const { signOut } = useTutor();
  return (
    <div data-testid="tutor-await-verification">
      <VerifyEmailBanner />
      <button type="button" className={styles.linkButton} onClick={() => void signOut()}>
        Sign out
      </button>
    </div>
  );
}

type Mode = "sign-in" | "sign-up" | "forgot" | "reset";

/** The two forms a signed-out reader switches between. */
const SWITCH: [Mode, string][] = [
  ["sign-up", "Create account"],
  ["sign-in", "Sign in"],
];

const LANDING_MESSAGES: Record<string, string> = {
  verified: "Your email address is verified.",
  "provider-error": "Sign-in with the provider did not work; try again or use your email.",
};

export function AccountView(): ReactNode {
  const { status, sessionError, landing, clearLanding } = useTutor();
  const [mode, setMode] = useState<Mode>(() => (landing?.kind === "reset-password" ? "reset" : "sign-up"));
  const notice = landing && landing.kind !== "reset-password" ? LANDING_MESSAGES[landing.kind] : undefined;
  const resetError = landing?.kind === "reset-password" && landing.error;
  useEffect(() => {
    if (landing?.kind === "reset-password") setMode("reset");
  }, [landing]);
  if (status === "loading") return <p className={styles.muted}>Checking your session…</p>;
  // A reset link wins over any session: the reader asked for it, and the reset signs every session out anyway.
  if (mode === "reset" && landing?.token && !resetError)
    return (
      <ResetPasswordForm
        token={landing.token}
        onDone={() => {
          clearLanding();
          setMode("sign-in");
        }}
      />
    );
  const banner = notice ? (
    <p className={landing?.kind === "provider-error" ? styles.error : styles.saved} role="status">
      {notice}
    </p>
  ) : null;
  if (status === "signed-in")
    return (
      <>
        {banner}
        <ProfileForm />
      </>
    );
  if (status === "two-factor") return <TwoFactorChallenge />;
  if (status === "needs-profile") return <CompleteProfile />;
  if (status === "needs-verification")
    return (
      <>
        {banner}
        <AwaitVerification />
      </>
    );
  if (mode === "forgot" || mode === "reset")
    return (
      <>
        {resetError && (
          <p className={styles.error} role="alert">
            That reset link is invalid or has expired; ask for a new one.
          </p>
        )}
        <ForgotPasswordForm
          onDone={() => {
            clearLanding();
            setMode("sign-in");
          }}
        />
      </>
    );
  return (
    <div>
      {banner}
      <FormError error={sessionError} />
      <ProviderButtons />
      <nav className={styles.switcher} aria-label="Sign in or create an account">
        {SWITCH.map(([to, label]) => (
          <button
            key={to}
            type="button"
            className={mode === to ? styles.switchActive : styles.switchButton}
            aria-pressed={mode === to}
            onClick={() => setMode(to)}
          >
            {label}
          </button>
        ))}
      </nav>
      {mode === "sign-up" ? (
        <SignUpForm />
      ) : (
        <>
          <SignInForm />
          <button type="button" className={styles.linkButton} onClick={() => setMode("forgot")}>
            Forgot password?
          </button>
        </>
      )}
    </div>
  );
}
