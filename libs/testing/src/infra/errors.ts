import { defineErrors } from '@joinery/errors';

/** The catalogue of the test infrastructure. Messages are overridden per case with what to do about it. */
export const infraErrors = defineErrors('testing', {
  /** An integration test ran without the environment `npm test` provides. */
  infra_missing: ['failed_precondition', 'test infrastructure variables are missing'],
  /** A binary or package needed to run Redis, Kafka or SoftHSM2 locally is not installed. */
  prerequisite_missing: ['failed_precondition', 'a prerequisite of the test infrastructure is missing'],
  /** A dependency was started or configured but does not answer. */
  infra_unavailable: ['unavailable', 'a test dependency does not answer'],
  /** A bounded wait ran out. */
  infra_timeout: ['deadline_exceeded', 'a test dependency did not become ready in time'],
});
