import type { V1Ingress } from '@kubernetes/client-node';
import { generatedHosts } from '../../domain/edge-hosts.js';
import type { RolloutSpec, ServiceTarget } from '../runtime.js';
import { ANNOTATION, namespaceName, publicServiceName, serviceLabels } from './names-and-labels.js';

/**
 * The edge on Kubernetes (docs/edge.md#kubernetes): an Ingress per public http port of a
 * service, for its generated host, to the Service holding its public ports; with a
 * cert-manager ClusterIssuer, TLS from a Secret per host that cert-manager fills. Pure.
 */
export interface IngressSettings {
  /** SLIPWAY_APPS_DOMAIN. */
  appsDomain: string;
  /** SLIPWAY_K8S_INGRESS_CLASS; unset: the cluster's default class. */
  className?: string;
  /** SLIPWAY_K8S_CLUSTER_ISSUER; unset: no TLS section. */
  clusterIssuer?: string;
}

export const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

export function ingressName(serviceId: string, containerPort: number): string {
  return `${publicServiceName(serviceId)}-${containerPort}`;
}

export function ingressManifests(target: ServiceTarget, spec: RolloutSpec, settings: IngressSettings): V1Ingress[] {
  const names = { service: target.serviceName, environment: target.environmentName, project: target.projectName };
  return generatedHosts(names, spec.ports, settings.appsDomain).map(({ host, containerPort }) => {
    const name = ingressName(target.serviceId, containerPort);
    return {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name,
        namespace: namespaceName(target.environmentId),
        labels: serviceLabels(target),
        annotations: {
          [ANNOTATION.serviceName]: target.serviceName,
          ...(settings.clusterIssuer ? { [CLUSTER_ISSUER_ANNOTATION]: settings.clusterIssuer } : {}),
        },
      },
      spec: {
        ...(settings.className ? { ingressClassName: settings.className } : {}),
        ...(settings.clusterIssuer ? { tls: [{ hosts: [host], secretName: `${name}-tls` }] } : {}),
        rules: [
          {
            host,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: publicServiceName(target.serviceId), port: { number: containerPort } } } }] },
          },
        ],
      },
    };
  });
}
