export { macVersionFromProto, macVersionToProto } from './mac-version.js';
