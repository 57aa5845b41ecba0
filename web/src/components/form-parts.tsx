// Form building blocks shared by the account views: labelled fields with announced errors, the busy/error state of an
// action, and the form frame (error, status, submit button) every account form uses.
import { type FormEvent, type InputHTMLAttributes, type ReactNode, useCallback, useState } from "react";
import { type TutorErrorInfo, toTutorError } from "../client/tutor-error.ts";
import styles from "./tutor.module.css";

export type FieldErrors = Partial<Record<string, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** "Enter a valid email address." unless `email` looks like one. */
export function emailProblem(email: string): string | undefined {
  return EMAIL.test(email.trim()) ? undefined : "Enter a valid email address.";
}

export function Field({
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
export function TextField({ label, id, error, value, onValue, ...input }: TextFieldProps): ReactNode {
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

type PresetFieldProps = Omit<TextFieldProps, "label" | "name" | "type"> & { label?: string };

/** The account's email address. */
export function EmailField({ label = "Email", ...props }: PresetFieldProps): ReactNode {
  return <TextField label={label} name="email" type="email" autoComplete="email" {...props} />;
}

/** A password: the current one unless `autoComplete="new-password"`. */
export function PasswordField({
  label = "Your password",
  name = "password",
  ...props
}: PresetFieldProps & { name?: string }): ReactNode {
  return <TextField label={label} name={name} type="password" autoComplete="current-password" {...props} />;
}

export function FormError({ error }: { error: TutorErrorInfo | null }): ReactNode {
  if (!error) return null;
  return (
    <p className={styles.error} role="alert" data-testid="tutor-form-error" data-kind={error.kind}>
      {error.message}
    </p>
  );
}

/**
 * The busy flag and error of actions started from one place: `attempt` runs one at a time and shows what it threw.
 * `keepBusy`: stay busy after a success (the action left the page, as a provider sign-in does).
 */
export function useAttempt(options: { keepBusy?: boolean } = {}) {
  const { keepBusy = false } = options;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<TutorErrorInfo | null>(null);
  const attempt = useCallback(
    async (action: () => Promise<void>) => {
      setBusy(true);
      setError(null);
      try {
        await action();
        if (!keepBusy) setBusy(false);
      } catch (cause) {
        setError(toTutorError(cause).info);
        setBusy(false);
      }
    },
    [keepBusy],
  );
  return { busy, error, setError, attempt };
}

/** A form's submit handler around `action`, with its busy flag and error. */
export function useSubmit(action: () => Promise<void>) {
  const { busy, error, setError, attempt } = useAttempt();
  const run = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    await attempt(action);
  };
  return { busy, error, setError, run };
}

export type Submit = ReturnType<typeof useSubmit>;

/**
 * An account form: the fields, then the error (or `error` when the form shows it elsewhere), a polite status line,
 * the submit button (its label while busy: `busyLabel`) and whatever goes under it.
 */
export function AccountForm({
  label,
  testId,
  submit,
  submitLabel,
  busyLabel,
  error = submit.error,
  status,
  button = "button--primary",
  disabled = false,
  after,
  children,
}: {
  label: string;
  testId?: string;
  submit: Submit;
  submitLabel: string;
  busyLabel?: string;
  error?: TutorErrorInfo | null;
  status?: string;
  /** Infima button variant. */
  button?: "button--primary" | "button--secondary" | "button--danger";
  disabled?: boolean;
  after?: ReactNode;
  children: ReactNode;
}): ReactNode {
  return (
    <form className={styles.form} onSubmit={submit.run} noValidate aria-label={label} data-testid={testId}>
      {children}
      <FormError error={error} />
      {status !== undefined && (
        <output className={styles.saved} aria-live="polite">
          {status}
        </output>
      )}
      <button type="submit" className={`button ${button} button--block`} disabled={submit.busy || disabled}>
        {submit.busy && busyLabel ? busyLabel : submitLabel}
      </button>
      {after}
    </form>
  );
}
