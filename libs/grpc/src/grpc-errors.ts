/**
 * Errors of the transport itself, when the other side sent no Joinery error code (`grpc:<name>`): declared once with
 * kind, message and Backend Interfaces result reason in the registry of the codes that travel between the services
 * (`@joinery/wire`, error-codes.ts).
 */
export { grpcErrors } from '@joinery/wire';
