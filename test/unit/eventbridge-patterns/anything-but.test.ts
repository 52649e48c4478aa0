/** Each documented rule of this part of the EventBridge user guide, against the in-process matcher. */
import { describe } from '@jest/globals';
import { anythingButCases } from '#conformance/eventbridge-patterns/anything-but';
import { checkPatternCases } from '#test/helpers/pattern-cases';

describe('EventBridge patterns', () => {
  checkPatternCases(anythingButCases);
});
