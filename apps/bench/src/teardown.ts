/** Stops what was started, newest first (servers before the Redis they use). */
export class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.unshift({ name, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        await step.run();
      } catch (err) {
        console.error(`stopping ${step.name} failed:`, err);
      }
    }
  }
}
