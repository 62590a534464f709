import { encodeValue, type SampleChunk } from '@runstream/domain';
// The Subscriber module alone: the SDK's index also holds the producer, which needs Node.
import { Subscriber, type Subscription } from '@runstream/sdk/subscriber';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

/**
 * One Socket.IO connection for every panel, through the SDK's Subscriber:
 * each seq delivered once and in order, and after a reconnect every
 * subscription resumes from its last seq (no reload, no gap). Chunks are
 * handed on in the wire encoding, as the series API's buckets are built.
 */
export class LiveHub {
  private readonly subscriber: Subscriber;
  private everConnected = false;
  private refused = false;
  private readonly timer: number;

  constructor(
    token: string,
    onState: (state: ConnectionState) => void,
    onError: (error: Error) => void,
  ) {
    this.subscriber = new Subscriber({
      url: window.location.origin,
      token,
      env: {},
      onError: (error) => {
        if (error.message.startsWith('socket.io connection refused')) this.refused = true;
        onError(error);
      },
    });
    // The Subscriber keeps its socket to itself: its state is looked at, not listened to.
    let last: ConnectionState | undefined;
    this.timer = window.setInterval(() => {
      const state = this.state();
      if (state !== last) onState(state);
      last = state;
    }, 250);
  }

  subscribe(
    run: string,
    variable: string,
    fromSeq: number,
    onChunk: (chunk: SampleChunk) => void,
    onError: (error: Error) => void,
  ): Subscription {
    return this.subscriber.subscribe(
      run,
      variable,
      ({ first, t, v }) => onChunk({ first, t, v: v.map(encodeValue) }),
      { fromSeq, onError },
    );
  }

  close(): void {
    window.clearInterval(this.timer);
    this.subscriber.close();
  }

  private state(): ConnectionState {
    if (this.subscriber.connected) {
      this.everConnected = true;
      return 'connected';
    }
    if (this.refused) return 'refused';
    return this.everConnected ? 'reconnecting' : 'connecting';
  }
}
