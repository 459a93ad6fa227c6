// The console's routes (hash routing: `/#/devices`, and the invitation links `/#/invite/<token>` that the API
// hands out) inside the shell; the login page for everyone else.
import { Center, Loader } from '@mantine/core';
import { createHashRouter, Navigate, RouterProvider } from 'react-router';
import { rolesOf, useAuth } from './auth';
import { Shell } from './layout';
import { AuditPage } from './pages/audit';
import { BillingPage } from './pages/billing';
import { ClaimPage } from './pages/claim';
import { DevicePage } from './pages/device';
import { DevicesPage } from './pages/devices';
import { InvitePage } from './pages/invite';
import { LoginPage } from './pages/login';
import { ApiKeysPage, TeamPage } from './pages/team';
import { OperatorAccountsPage, OperatorHealthPage, OperatorImportPage } from './pages/operator';
import { PeersPage, RegisterPeerPage } from './pages/peers';

function Home() {
  const { session } = useAuth();
  const roles = rolesOf(session);
  return <Navigate to={roles.inAccount || !roles.operator ? '/devices' : '/operator/accounts'} replace />;
}

function Authenticated() {
  const { session, ready } = useAuth();
  if (!ready)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (session === null) return <LoginPage />;
  return <Shell />;
}

const router = createHashRouter([
  { path: '/invite/:token', element: <InvitePage /> },
  {
    path: '/',
    element: <Authenticated />,
    children: [
      { index: true, element: <Home /> },
      { path: 'devices', element: <DevicesPage /> },
      { path: 'devices/:devEui', element: <DevicePage /> },
      { path: 'claim', element: <ClaimPage /> },
      { path: 'network-servers', element: <PeersPage kind="network-servers" /> },
      { path: 'network-servers/new', element: <RegisterPeerPage kind="network-servers" /> },
      { path: 'application-servers', element: <PeersPage kind="application-servers" /> },
      { path: 'application-servers/new', element: <RegisterPeerPage kind="application-servers" /> },
      { path: 'billing', element: <BillingPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'team', element: <TeamPage /> },
      { path: 'api-keys', element: <ApiKeysPage /> },
      { path: 'operator/accounts', element: <OperatorAccountsPage /> },
      { path: 'operator/import', element: <OperatorImportPage /> },
      { path: 'operator/health', element: <OperatorHealthPage /> },
      { path: '*', element: <Home /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
