/**
 * The keys service's error catalogue, `keysErrors` (`keys:<name>`), and the codes of the join pipeline's refusals,
 * `joinRefusalCodes`: declared once with their kind, message and Backend Interfaces result reason in the registry of
 * the codes that travel between the services (`@joinery/wire`, error-codes.ts). Messages never carry key material.
 */
export { joinRefusalCodes, keysErrors } from '@joinery/wire';

/** The error detail a recorded refusal carries (keys.proto, HandleJoin): the id of its JoinEvent in the outbox. */
export const refusalEventIdDetail = 'event_id';
