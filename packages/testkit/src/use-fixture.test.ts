import { useFixture } from './use-fixture';

const events: string[] = [];

describe('a fixture', () => {
  const fixture = useFixture(() => {
    events.push('start');
    let tests = 0;
    return Promise.resolve({
      name: 'f',
      tests: () => tests,
      beginTest: () => void events.push(`begin ${++tests}`),
      endTest: () => Promise.resolve(void events.push(`end ${tests}`)),
      stop: () => Promise.resolve(void events.push('stop')),
    });
  });

  it('is started before the tests and read through the returned object', () => {
    expect(fixture.name).toBe('f');
    expect(fixture.tests()).toBe(1); // methods keep their fixture
  });

  it('is told when each test begins and ends', () => {
    expect(events).toEqual(['start', 'begin 1', 'end 1', 'begin 2']);
  });
});

describe('after the block', () => {
  it('the fixture is stopped', () => {
    expect(events.slice(-2)).toEqual(['end 2', 'stop']);
  });
});
