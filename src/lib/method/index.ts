export * from './prompts';
export * from './tagging';
export * from './scores';
export * from './selection';
export * from './stats';
export * from './instructions';
