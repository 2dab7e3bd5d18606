package io.pyhygiene.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One server-side-apply patch of a Deployment's pod template that fixes the findings of the rules a
 * policy asks to remediate, and what it does.
 *
 * @param patch a sparse apply configuration: {@code apiVersion}, {@code kind}, {@code
 *     metadata.name}/{@code namespace} and, unless there is nothing to fix, the fixed fields under
 *     {@code spec.template.spec} (containers identified by {@code name} only)
 * @param fixedRules the rule ids whose findings on the Deployment the patch removes (checked by
 *     re-auditing the patched Deployment), in catalogue order
 * @param notFixable rule id to why some of its findings cannot be fixed automatically, in catalogue
 *     order; the patch may still fix the rule's other containers
 * @param changes one line per field the patch sets, secret-free: no command, script or env value
 *     other than the {@code PYTHONUNBUFFERED=1} the fix itself adds
 */
public record FixPlan(
    ObjectNode patch,
    List<String> fixedRules,
    Map<String, String> notFixable,
    List<String> changes) {

  public FixPlan {
    fixedRules = List.copyOf(fixedRules);
    notFixable = Collections.unmodifiableMap(new LinkedHashMap<>(notFixable));
    changes = List.copyOf(changes);
  }

  /** Nothing to apply: the patch carries no {@code spec}. */
  public boolean isEmpty() {
    return !patch.has("spec");
  }
}
