// The sign-in and sign-up form (email + password), with errors shown inline.
import { Link, useNavigate } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { authClient } from "../lib/auth";

export function AuthForm({ mode }: { mode: "sign-in" | "sign-up" }) {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError(null);
    const result = mode === "sign-up"
      ? await authClient.signUp.email({ email, password, name: String(form.get("name") ?? "") })
      : await authClient.signIn.email({ email, password });
    setBusy(false);
    if (result.error) {
      setError(result.error.message ?? "Something went wrong");
      return;
    }
    await navigate({ to: "/dashboard" });
  }

  return (
    <main className="auth">
      <form className="card" onSubmit={onSubmit} aria-labelledby="auth-title">
        <h1 id="auth-title">{mode === "sign-up" ? "Create your account" : "Sign in"}</h1>
        {mode === "sign-up" && (
          <label>Name<input name="name" autoComplete="name" required /></label>
        )}
        <label>Email<input name="email" type="email" autoComplete="email" required /></label>
        <label>Password<input name="password" type="password" autoComplete={mode === "sign-up" ? "new-password" : "current-password"} minLength={8} required /></label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" disabled={busy}>{mode === "sign-up" ? "Sign up" : "Sign in"}</button>
        <p className="muted">
          {mode === "sign-up" ? <>Have an account? <Link to="/sign-in">Sign in</Link></> : <>New here? <Link to="/sign-up">Create an account</Link></>}
        </p>
      </form>
    </main>
  );
}
