// The domain types shared by every layer (README "Architecture"): records, run configs,
// evaluation results, ingest reports. This folder imports nothing outside itself.
export * from './corpus';
export * from './ingest';
export * from './models';
export * from './runs';
export * from './seeds';
export * from './training';
export * from './evaluation';
export * from './sweep';
