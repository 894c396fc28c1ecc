/** The one way the extension talks to the server: ``<base_url>/opik/<path>`` with Jupyter's auth. */
import { URLExt } from "@jupyterlab/coreutils";
import { ServerConnection } from "@jupyterlab/services";
import { errorMessage, parseBody } from "./panel_data";

/** A non-2xx answer of the proxy or the backend, with the backend's message. */
export class OpikRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Call ``<base_url>/opik/<endPoint>`` (``status`` or ``api/...``) and parse the answer. */
export async function requestAPI<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, "opik", endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  if (!response.ok) throw new OpikRequestError(response.status, errorMessage(response.status, text));
  return parseBody(text, response.headers.get("Content-Type")) as T;
}
