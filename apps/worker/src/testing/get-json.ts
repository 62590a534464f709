import type { WorkerApp } from '../worker-app';

/** GET on the worker's health server: the status, the body as text and parsed when it is JSON. */
export async function getJson(
  app: WorkerApp,
  path: string,
): Promise<{ status: number; body: unknown; text: string }> {
  const { port } = app.address();
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}
