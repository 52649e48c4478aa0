/**
 * Execution history in the shapes GetExecutionHistory returns on AWS. State events come from the
 * interpreter's event log; Task / Lambda events are added by the task handlers (tasks.ts) and the
 * execution-level events by the runner (executions.ts), because the interpreter knows nothing of
 * the Lambda call behind a Task state.
 */
import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';

/** An event as the interpreter logs it (its package does not export the type). */
export type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** The `*EventDetails` part of a history event; the recorder assigns id, time and type. */
export type HistoryEventDetails = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

export class ExecutionHistory {
  private readonly recorded: HistoryEvent[] = [];
  private closed = false;

  /** Ignored once the execution has ended, e.g. a Task call that returns after StopExecution. */
  add(type: HistoryEventType, details: HistoryEventDetails = {}): void {
    if (this.closed) return;
    const id = this.recorded.length + 1;
    this.recorded.push({ timestamp: new Date(), type, id, previousEventId: id - 1, ...details });
  }

  /** Records the terminal event (ExecutionSucceeded, ...); nothing is recorded after it. */
  close(type: HistoryEventType, details: HistoryEventDetails = {}): void {
    this.add(type, details);
    this.closed = true;
  }

  /** A redrive continues the same history after its terminal event. */
  reopen(): void {
    this.closed = false;
  }

  get events(): readonly HistoryEvent[] {
    return this.recorded;
  }
}

/** AWS history carries payloads as JSON strings with a truncation flag (we never truncate). */
export function payload(value: unknown): { text: string; details: { truncated: boolean } } {
  return { text: JSON.stringify(value ?? null), details: { truncated: false } };
}

/**
 * Maps a state-level interpreter event to its AWS history event. Execution-level events and the
 * interpreter's StateFailed (but for JSONata's) / StateRetried / StateCaught have no AWS counterpart of their own
 * (AWS shows a retry as another TaskScheduled, a catch as TaskStateExited), so they map to none.
 */
export function toHistoryEvent(event: InterpreterEvent): [HistoryEventType, HistoryEventDetails] | undefined {
  switch (event.type) {
    case 'StateEntered': {
      const input = payload(event.state.input);
      const details = { name: event.state.name, input: input.text, inputDetails: input.details };
      return [`${event.state.type}StateEntered` as HistoryEventType, { stateEnteredEventDetails: details }];
    }
    case 'StateExited': {
      const output = payload(event.state.output);
      // Variables a state assigned (set by the query layer), as AWS lists them: name -> JSON text.
      const { assignedVariables } = event.state as { assignedVariables?: Record<string, string> };
      const details = {
        name: event.state.name,
        output: output.text,
        outputDetails: output.details,
        ...(assignedVariables ? { assignedVariables, assignedVariablesDetails: { truncated: false } } : {}),
      };
      return [`${event.state.type}StateExited` as HistoryEventType, { stateExitedEventDetails: details }];
    }
    case 'StateFailed':
      // A JSONata evaluation error (raised by the query layer) gets the event AWS writes for it.
      if (event.Error !== 'States.QueryEvaluationError') return undefined;
      return [
        'EvaluationFailed',
        {
          evaluationFailedEventDetails: {
            state: event.state.name,
            error: event.Error,
            cause: String(event.Cause),
            location: /for the field '([^']+)'/.exec(String(event.Cause))?.[1],
          },
        },
      ];
    case 'MapIterationStarted':
      return ['MapIterationStarted', { mapIterationStartedEventDetails: mapIteration(event) }];
    case 'MapIterationSucceeded':
      return ['MapIterationSucceeded', { mapIterationSucceededEventDetails: mapIteration(event) }];
    case 'MapIterationFailed':
      return ['MapIterationFailed', { mapIterationFailedEventDetails: mapIteration(event) }];
    default:
      return undefined;
  }
}

function mapIteration(event: { parentState: { name: string }; index: number }): { name: string; index: number } {
  return { name: event.parentState.name, index: event.index };
}
