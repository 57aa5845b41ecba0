// Account panel: sign-in and sign-up forms, and for a signed-in reader the profile editor, API keys and sign-out.
import {
  BACKGROUND_LEVELS,
  type BackgroundLevel,
  INTEREST_AREA_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
} from "@ai-book/contracts";
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useId, useState } from "react";
import type { ProfileInput } from "../client/auth-client.ts";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import { ApiKeys } from "./ApiKeys.tsx";
import styles from "./tutor.module.css";
import { useTutor } from "./tutor-context.tsx";

type FieldErrors = Partial<Record<string, string>>;

function Field({
  label,
  error,
  children,
  id,
}: {
  label: string;
  error?: string | undefined;
  id: string;
  children: ReactNode;
}): ReactNode {
  return (
    <div className={styles.field}>
      <label htmlFor={id}>{label}</label>
      {children}
      {error && (
        <span id={`${id}-error`} className={styles.fieldError}>
          {error}
        </span>
      )}
    </div>
  );
}

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange"> & {
  label: string;
  id: string;
  error?: string | undefined;
  value: string;
  onValue: (value: string) => void;
};

/** A labelled text input whose error, when present, is announced with it. */
function TextField({ label, id, error, value, onValue, ...input }: TextFieldProps): ReactNode {
  return (
    <Field label={label} id={id} error={error}>
      <input
        {...input}
        id={id}
        value={value}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onValue(event.target.value)}
      />
    </Field>
  );
}

function FormError({ error }: { error: TutorErrorInfo | null }): ReactNode {
  if (!error) return null;
  return (
    <p className={styles.error} role="alert" data-testid="tutor-form-error" data-kind={error.kind}>
      {error.message}
    </p>
  );
}

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
    </>
  );
}

function validateCredentials(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) errors.email = "Enter a valid email address.";
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

function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TutorErrorInfo | null>(null);
  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (cause) {
      setError(toTutorError(cause).info);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

function SignInForm(): ReactNode {
  const { signIn } = useTutor();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useSubmit(async () => {
    const next: FieldErrors = {};
    if (!email.trim()) next.email = "Enter your email.";
    if (!password) next.password = "Enter your password.";
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    await signIn({ email: email.trim(), password });
  });
  return (
    <form className={styles.form} onSubmit={run} noValidate aria-label="Sign in" data-testid="tutor-sign-in">
      <TextField
        label="Email"
        id={`${id}-email`}
        error={errors.email}
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onValue={setEmail}
      />
      <TextField
        label="Password"
        id={`${id}-password`}
        error={errors.password}
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
      />
      <FormError error={error} />
      <button type="submit" className="button button--primary button--block" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

const DEFAULT_PROFILE: ProfileInput = {
  softwareBackground: "Beginner",
  hardwareBackground: "Beginner",
  interestArea: "",
};

function SignUpForm(): ReactNode {
  const { signUp } = useTutor();
  const id = useId();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [profile, setProfile] = useState<ProfileInput>(DEFAULT_PROFILE);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { busy, error, run } = useSubmit(async () => {
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
    <form
      className={styles.form}
      onSubmit={run}
      noValidate
      aria-label="Create account"
      data-testid="tutor-sign-up"
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
      <TextField
        label="Email"
        id={`${id}-email`}
        error={errors.email}
        name="email"
        type="email"
        autoComplete="email"
        value={email}
        onValue={setEmail}
      />
      <TextField
        label={`Password (at least ${PASSWORD_MIN} characters)`}
        id={`${id}-password`}
        error={errors.password}
        name="password"
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
      />
      <ProfileFields value={profile} onChange={setProfile} errors={errors} />
      {error && !fieldOf(error) && <FormError error={error} />}
      <button type="submit" className="button button--primary button--block" disabled={busy}>
        {busy ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}

function ProfileForm(): ReactNode {
  const { user, updateProfile, signOut } = useTutor();
  const [profile, setProfile] = useState<ProfileInput>({
    softwareBackground: user?.softwareBackground ?? "Beginner",
    hardwareBackground: user?.hardwareBackground ?? "Beginner",
    interestArea: user?.interestArea ?? "",
  });
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useSubmit(async () => {
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
      <form className={styles.form} onSubmit={run} noValidate aria-label="Your background">
        <ProfileFields
          value={profile}
          onChange={(next) => {
            setProfile(next);
            setSaved(false);
          }}
          errors={{}}
        />
        <FormError error={error} />
        <output className={styles.saved} aria-live="polite">
          {saved ? "Saved. New answers use this background." : ""}
        </output>
        <button type="submit" className="button button--primary button--block" disabled={busy}>
          {busy ? "Saving…" : "Save background"}
        </button>
      </form>
      <ApiKeys />
      <button
        type="button"
        className="button button--secondary button--block margin-top--sm"
        onClick={() => void signOut()}
      >
        Sign out
      </button>
    </div>
  );
}

export function AccountView(): ReactNode {
  const { status, sessionError } = useTutor();
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-up");
  if (status === "loading") return <p className={styles.muted}>Checking your session…</p>;
  if (status === "signed-in") return <ProfileForm />;
  return (
    <div>
      <FormError error={sessionError} />
      <nav className={styles.switcher} aria-label="Sign in or create an account">
        <button
          type="button"
          className={mode === "sign-up" ? styles.switchActive : styles.switchButton}
          aria-pressed={mode === "sign-up"}
          onClick={() => setMode("sign-up")}
        >
          Create account
        </button>
        <button
          type="button"
          className={mode === "sign-in" ? styles.switchActive : styles.switchButton}
          aria-pressed={mode === "sign-in"}
          onClick={() => setMode("sign-in")}
        >
          Sign in
        </button>
      </nav>
      {mode === "sign-up" ? <SignUpForm /> : <SignInForm />}
    </div>
  );
}
