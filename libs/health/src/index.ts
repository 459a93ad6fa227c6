export { timedCheck, type ComponentHealth, type HealthStatus } from './timed-check.js';
