package io.pyhygiene.workload;

/**
 * Whether traffic is routed to a container, which is what makes a preStop hook and a readiness
 * probe matter: a Service selects its pod and targets one of its ports. When no Service is visible
 * (the CLI given manifests without Services) declaring a port is taken as serving, and findings say
 * it was assumed.
 *
 * @param state how it was decided
 * @param service the Service that routes to it ({@code SERVICE} only)
 */
public record Serving(State state, String service) {

  public enum State {
    /** A Service selects the pod and targets one of this container's ports. */
    SERVICE,
    /** No Service is visible, and the container declares ports. */
    ASSUMED_FROM_PORTS,
    /** Not serving: Services are visible and none routes to it, or it declares no port. */
    NONE
  }

  public static final Serving NONE = new Serving(State.NONE, "");

  public boolean serving() {
    return state != State.NONE;
  }

  /** For messages: why the container counts as serving. */
  public String describe() {
    return switch (state) {
      case SERVICE -> "Service " + service + " routes traffic to it";
      case ASSUMED_FROM_PORTS ->
          "it declares ports (no Service was in the input to tell whether"
              + " traffic is routed to it)";
      case NONE -> "no traffic is routed to it";
    };
  }
}
