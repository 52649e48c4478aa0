/** Every documented EventBridge pattern case, in documentation order. */
import { anythingButCases } from './anything-but.ts';
import type { PatternCase } from './case.ts';
import { comparisonOperatorCases } from './comparison-operators.ts';
import { eventPatternCases } from './event-patterns.ts';
import { numericIpExistsOrCases } from './numeric-ip-exists-or.ts';
import { stringOperatorCases } from './string-operators.ts';

export const allPatternCases: PatternCase[] = [
  ...eventPatternCases,
  ...comparisonOperatorCases,
  ...stringOperatorCases,
  ...anythingButCases,
  ...numericIpExistsOrCases,
];
