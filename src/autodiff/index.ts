export { gradients, sumToShape } from './grad.js';
export { GradError, gradRules, unsupported, type GradContext, type GradRule, type GradRuleTable } from './rules.js';
