/** Each row of the user guide's comparison-operator table, against the in-process matcher. */
import { describe } from '@jest/globals';
import { comparisonOperatorCases } from '#conformance/eventbridge-patterns/comparison-operators';
import { checkPatternCases } from '#test/helpers/pattern-cases';

describe('EventBridge patterns', () => {
  checkPatternCases(comparisonOperatorCases);
});
