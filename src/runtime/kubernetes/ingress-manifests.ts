import type { V1Ingress } from '@kubernetes/client-node';
import { servedHosts } from '../../domain/edge-hosts.js';
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

export function tlsSecretName(host: string): string {
  return `tls-${host}`;
}

export function ingressName(serviceId: string, containerPort: number): string {
  return `${publicServiceName(serviceId)}-${containerPort}`;
}

/** One Ingress per public http port, holding its generated host and its custom domains. */
export function ingressManifests(target: ServiceTarget, spec: RolloutSpec, settings: IngressSettings): V1Ingress[] {
  const names = { service: target.serviceName, environment: target.environmentName, project: target.projectName };
  const byPort = new Map<number, string[]>();
  for (const { host, containerPort } of servedHosts(names, spec.ports, spec.domains ?? [], settings.appsDomain)) {
    byPort.set(containerPort, [...(byPort.get(containerPort) ?? []), host]);
  }
  return [...byPort].map(([containerPort, hosts]) => {
    const name = ingressName(target.serviceId, containerPort);
    const backend = { service: { name: publicServiceName(target.serviceId), port: { number: containerPort } } };
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
        // A Secret per host, named after it (a host belongs to one service): cert-manager fills each.
        ...(settings.clusterIssuer ? { tls: hosts.map((host) => ({ hosts: [host], secretName: tlsSecretName(host) })) } : {}),
        rules: hosts.map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
      },
    };
  });
}
