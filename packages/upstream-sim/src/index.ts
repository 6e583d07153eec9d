export type { Fault, FaultMatch, StreamErrorFault } from './faults.ts';
export type { RecordedRequest } from './recorded-request.ts';
export { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from './server.ts';
