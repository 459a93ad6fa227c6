import {
  resultCodeFor,
  type ProtocolVersion,
  type ResultCode,
  type ResultReason,
} from '@joinery/backend-interfaces';
import { reasonByErrorCode } from './error-codes.js';

export { reasonByErrorCode };

/** The result reason of an error code; a code no table knows is `other`. */
export function reasonOfErrorCode(code: string): ResultReason {
  return reasonByErrorCode[code] ?? 'other';
}

/** The ResultCode an NS gets for a refusal with this error code under its BI protocol version. */
export function resultCodeOfErrorCode(code: string, version: ProtocolVersion): ResultCode {
  return resultCodeFor(reasonOfErrorCode(code), version);
}
