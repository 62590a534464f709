import { decodeViewState, encodeViewState, EMPTY_VIEW, type ViewState } from './view-state';

describe('view state in the URL', () => {
  it('round-trips run, panels of any names, range, filter and search', () => {
    const state: ViewState = {
      run: 'demo-1',
      panels: [['lorenz.state'], ['a,b', 'x&y=1', '变量', 'q"uote']],
      range: [-1.5, 1e6],
      status: 'completed',
      search: 'seed=4',
    };
    const text = encodeViewState(state);
    expect(text.startsWith('?')).toBe(true);
    expect(decodeViewState(text)).toEqual(state);
  });

  it('is empty for the empty view', () => {
    expect(encodeViewState(EMPTY_VIEW)).toBe('');
    expect(decodeViewState('')).toEqual(EMPTY_VIEW);
  });

  it('leaves out what is malformed instead of throwing', () => {
    const q = '?p=not-json&p=%5B1%2C%22x%22%5D&p=%7B%7D&t=5~1&status=paused&run=';
    expect(decodeViewState(q)).toEqual({ panels: [['x']], status: 'all', search: '' });
    expect(decodeViewState('?t=a~b').range).toBeUndefined();
    expect(decodeViewState('?t=1~2~3').range).toBeUndefined();
  });
});
