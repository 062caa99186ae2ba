/**
 * The API's collections under `/v2/{project_id}/fgs/`: `functions` (routes.ts, aliases included),
 * `triggers` (routes-triggers.ts) and `dependencies` (routes-dependencies.ts). The server matches the path
 * once and asks here which handler serves it.
 */
import { matchTagsRoute } from "./function-extra-routes";
import { matchRoute, type RouteMatch } from "./routes";
import { matchDependencyRoute } from "./routes-dependencies";
import { matchTriggerRoute } from "./routes-triggers";

/**
 * `/v2/{project_id}/fgs/<collection>[/…]`, or the tags API's `/v2/{project_id}/functions/{id}/tags…`: group 1 the
 * project, 2 the collection (`fgs/functions`, `fgs/triggers`, `fgs/dependencies` or `functions`), 3 the rest.
 */
export const API_PATH = /^\/v2\/([^/]*)\/(fgs\/functions|fgs\/triggers|fgs\/dependencies|functions(?=\/))(\/.*)?$/;

/** The route for a collection's decoded segments; undefined for an unknown route (404 APIG.0101). */
export function matchApiRoute(collection: string, method: string, segments: string[]): RouteMatch | undefined {
  if (collection === "fgs/triggers") return matchTriggerRoute(method, segments);
  if (collection === "fgs/dependencies") return matchDependencyRoute(method, segments);
  if (collection === "fgs/functions") return matchRoute(method, segments);
  if (collection === "functions") return matchTagsRoute(method, segments);
  return undefined;
}
