export { startJoinStack } from './gateway/join-stack.js';
export type { JoinStack } from './gateway/join-stack.js';
