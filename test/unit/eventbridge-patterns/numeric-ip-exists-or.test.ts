/** Each documented rule of this part of the EventBridge user guide, against the in-process matcher. */
import { describe } from '@jest/globals';
import { numericIpExistsOrCases } from '#conformance/eventbridge-patterns/numeric-ip-exists-or';
import { checkPatternCases } from '#test/helpers/pattern-cases';

describe('EventBridge patterns', () => {
  checkPatternCases(numericIpExistsOrCases);
});
