/**
 * The gateway's own refusals (`gateway:<name>`; everything else comes from claims/keys with their codes): declared
 * once with kind, message and Backend Interfaces result reason in the registry of the codes that travel between the
 * services (`@joinery/wire`, error-codes.ts).
 */
export { gatewayErrors } from '@joinery/wire';
