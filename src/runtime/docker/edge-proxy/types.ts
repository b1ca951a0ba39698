/** A ready instance behind a public port: where the proxy sends traffic. */
export interface ProxyBackend {
  /** Unique among the backends of one public port (e.g. the instance or container id). */
  id: string;
  host: string;
  port: number;
  /** A stable name the instance also answers to on its network (an edge that dials by name uses it). */
  slot?: string;
}

/** A public port of a service, listened on at `hostPort` on the proxy's bind host. */
export interface ProxyRoute {
  serviceId: string;
  containerPort: number;
  hostPort: number;
  protocol: 'http' | 'tcp';
  /** The Docker network its instances are on (an edge outside the host joins it). */
  network?: string;
  /** How many instances the service runs (unknown when only picking up what runs). */
  instances?: number;
}

/** A listening route; close() stops listening and ends every connection it carries. */
export interface RouteListener {
  close(): Promise<void>;
}
