/**
 * The claims service's error catalogue (`claims:<name>`; tests assert the codes): declared once with kind, message
 * and Backend Interfaces result reason in the registry of the codes that travel between the services (`@joinery/wire`,
 * error-codes.ts). The management-only errors of people and access are `accessErrors` (access-errors.ts).
 */
export { claimsErrors } from '@joinery/wire';
