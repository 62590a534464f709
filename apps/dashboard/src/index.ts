export {
  createDashboardApp,
  AUTH_REALM,
  type DashboardApp,
  type DashboardDeps,
} from './dashboard-app';
export {
  loadConfig,
  authFromConfig,
  dashboardConfigSchema,
  type DashboardConfig,
  type DashboardAuth,
} from './config';
