/** @celeriac/dashboard: the web dashboard. The bin calls `main`; tests and the demo call `startDashboard`. */
export { startDashboard } from './dashboard.ts';
export type { DashboardOptions, RunningDashboard } from './dashboard.ts';
export { AUTH_MODES } from './auth/authenticate.ts';
export type { AuthMode } from './auth/authenticate.ts';
export { OPERATIONS } from './auth/rbac.ts';
export { DASHBOARD_DEFAULTS } from './defaults.ts';
export { main } from './main.ts';
