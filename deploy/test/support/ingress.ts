import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';

/**
 * The Service an ingress controller sends a request for `host` + `path` to, over every Ingress of
 * the cluster (ingress-nginx merges the Ingresses of one host), by the Ingress API's rules: the
 * longest matching path wins, an `Exact` path over a `Prefix` one of the same length; a `Prefix`
 * path matches element by element (`/c` matches `/c` and `/c/x`, not `/channel`).
 */
export function ingressService(ingresses: IIngress[], host: string, path: string): string | undefined {
  let best: { length: number; exact: boolean; service: string | undefined } | undefined;
  for (const ing of ingresses) {
    for (const rule of ing.spec?.rules ?? []) {
      if (rule.host !== host) continue;
      for (const p of rule.http?.paths ?? []) {
        const want = p.path ?? '/';
        const base = want.replace(/\/+$/, '');
        const matches =
          p.pathType === 'Exact'
            ? path === want
            : want === '/' || path === base || path === `${base}/` || path.startsWith(`${base}/`);
        if (!matches) continue;
        const candidate = {
          length: want.length,
          exact: p.pathType === 'Exact',
          service: p.backend.service?.name,
        };
        if (
          !best ||
          candidate.length > best.length ||
          (candidate.length === best.length && candidate.exact && !best.exact)
        )
          best = candidate;
      }
    }
  }
  return best?.service;
}
