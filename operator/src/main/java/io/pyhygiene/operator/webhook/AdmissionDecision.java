package io.pyhygiene.operator.webhook;

import java.util.List;
import java.util.Map;

/**
 * The answer to one AdmissionReview.
 *
 * @param allowed whether the request may proceed
 * @param message why it is denied (empty when allowed)
 * @param warnings lines kubectl prints as {@code Warning: ...}
 * @param auditAnnotations annotations for the API server's audit log (the API server prefixes the
 *     keys with the webhook's name)
 * @param decision for metrics: allowed, warned or denied
 */
public record AdmissionDecision(
    boolean allowed,
    String message,
    List<String> warnings,
    Map<String, String> auditAnnotations,
    String decision) {

  public static AdmissionDecision allow() {
    return new AdmissionDecision(true, "", List.of(), Map.of(), "allowed");
  }
}
