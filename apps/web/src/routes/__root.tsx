// The root route: every page renders inside it. Unknown paths and render
// errors get a plain page with a way back instead of a blank screen.
import { createRootRoute, Link, Outlet, type ErrorComponentProps } from "@tanstack/react-router";

export const Route = createRootRoute({
  component: () => <Outlet />,
  notFoundComponent: NotFound,
  errorComponent: RouteError,
});

function NotFound() {
  return (
    <main className="auth">
      <div className="card">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link to="/" className="button">Go home</Link>
      </div>
    </main>
  );
}

function RouteError({ error, reset }: ErrorComponentProps) {
  return (
    <main className="auth">
      <div className="card" role="alert">
        <h1>Something went wrong</h1>
        <p className="muted">{error instanceof Error ? error.message : "An unexpected error occurred."}</p>
        <div className="row">
          <button type="button" onClick={reset}>Try again</button>
          <Link to="/" className="button button--secondary">Go home</Link>
        </div>
      </div>
    </main>
  );
}
