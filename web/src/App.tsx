import { useEffect, useMemo, useState } from 'react';
import { SlipwayClient } from './api/client.js';
import type { Me } from './api/types.js';
import { Loading } from './components/Async.js';
import { DependencyBanner } from './components/DependencyBanner.js';
import { RequestOutcomeToasts } from './components/RequestOutcomes.js';
import { ToastProvider } from './components/Toasts.js';
import { EventsProvider, useLive } from './events.js';
import { DeploymentPage } from './pages/DeploymentPage.js';
import { EnvironmentPage } from './pages/EnvironmentPage.js';
import { NotificationsPage } from './pages/NotificationsPage.js';
import { EditEnvironmentPage, EditProjectPage, NewEnvironmentPage, NewProjectPage } from './pages/ProjectForms.js';
import { CloneEnvironmentPage } from './pages/CloneEnvironment.js';
import { AuditPage } from './pages/AuditPage.js';
import { ProjectVariablesPage } from './pages/ProjectVariables.js';
import { ProjectsPage } from './pages/Projects.js';
import { EditServicePage, NewServicePage } from './pages/ServiceForm.js';
import { ServicePage } from './pages/ServicePage.js';
import { SignIn } from './pages/SignIn.js';
import { Link, match, usePath } from './router.js';
import { SessionContext, tokenStore, type Session } from './session.js';

function Routes() {
  const path = usePath();
  let m: Record<string, string> | null;
  if (path === '/' || path === '') return <ProjectsPage />;
  if (path === '/projects/new') return <NewProjectPage />;
  if (path === '/audit') return <AuditPage />;
  if ((m = match('/projects/:id/variables', path))) return <ProjectVariablesPage key={m.id} projectId={m.id!} />;
  if ((m = match('/projects/:id/environments/new', path))) return <NewEnvironmentPage projectId={m.id!} />;
  if ((m = match('/projects/:id/edit', path))) return <EditProjectPage key={m.id} projectId={m.id!} />;
  if ((m = match('/projects/:id/notifications', path))) return <NotificationsPage key={m.id} projectId={m.id!} />;
  if ((m = match('/environments/:id/edit', path))) return <EditEnvironmentPage key={m.id} environmentId={m.id!} />;
  if ((m = match('/environments/:id/clone', path))) return <CloneEnvironmentPage key={m.id} environmentId={m.id!} />;
  if ((m = match('/environments/:id/services/new', path))) return <NewServicePage environmentId={m.id!} />;
  if ((m = match('/environments/:id', path))) return <EnvironmentPage key={m.id} id={m.id!} />;
  if ((m = match('/services/:id/edit', path))) return <EditServicePage key={m.id} serviceId={m.id!} />;
  if ((m = match('/services/:id', path))) return <ServicePage key={m.id} id={m.id!} />;
  if ((m = match('/deployments/:id', path))) return <DeploymentPage key={m.id} id={m.id!} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing here. <Link href="/">Back to projects</Link>
      </p>
    </section>
  );
}

function LiveIndicator() {
  const live = useLive();
  return (
    <span className={live ? 'live on' : 'live'} role="status" title={live ? 'Statuses update live from the event stream' : 'Reconnecting to the event stream'}>
      <span className="badge-dot" aria-hidden="true" /> {live ? 'Live' : 'Reconnecting…'}
    </span>
  );
}

function Shell({ session }: { session: Session }) {
  return (
    <EventsProvider client={session.client}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Slipway: projects">
          <svg className="logo" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2v14H4z" fill="currentColor" /><path d="M14 6l6 10h-6z" fill="currentColor" opacity="0.7" /><path d="M2 18h20l-3 4H5z" fill="currentColor" /></svg> Slipway
        </Link>
        <nav aria-label="Main">
          <Link href="/">Projects</Link>
          {session.role === 'admin' ? <Link href="/audit">Audit log</Link> : null}
        </nav>
        <span className="spacer" />
        <LiveIndicator />
        <span className="role" data-role={session.role} title="The role of your API token">
          {session.role}
        </span>
        <button type="button" className="small" onClick={session.signOut}>
          Sign out
        </button>
      </header>
      <DependencyBanner />
      <RequestOutcomeToasts />
      <main id="main" className="content" tabIndex={-1}>
        <Routes />
      </main>
    </EventsProvider>
  );
}

export function App() {
  const [auth, setAuth] = useState<{ client: SlipwayClient; me: Me } | null>(null);
  const [restoring, setRestoring] = useState(() => tokenStore.get() !== null);

  // A token kept in this tab's session storage signs in again after a reload.
  useEffect(() => {
    const token = tokenStore.get();
    if (!token) return;
    const client = new SlipwayClient(token);
    client.whoami().then(
      (me) => {
        setAuth({ client, me });
        setRestoring(false);
      },
      () => {
        tokenStore.clear();
        setRestoring(false);
      },
    );
  }, []);

  const session = useMemo<Session | null>(
    () =>
      auth && {
        client: auth.client,
        role: auth.me.role,
        projects: auth.me.projects ?? null,
        signOut: () => {
          tokenStore.clear();
          setAuth(null);
        },
      },
    [auth],
  );

  return (
    <ToastProvider>
      {restoring ? (
        <main className="content">
          <Loading what="your session" />
        </main>
      ) : session ? (
        <SessionContext.Provider value={session}>
          <Shell session={session} />
        </SessionContext.Provider>
      ) : (
        <SignIn
          onSignedIn={(client, me) => {
            tokenStore.set(client.token);
            setAuth({ client, me });
          }}
        />
      )}
    </ToastProvider>
  );
}
