/** Each documented rule of this part of the EventBridge user guide, against the in-process matcher. */
import { describe } from '@jest/globals';
import { eventPatternCases } from '#conformance/eventbridge-patterns/event-patterns';
import { checkPatternCases } from '#test/helpers/pattern-cases';

describe('EventBridge patterns', () => {
  checkPatternCases(eventPatternCases);
});
