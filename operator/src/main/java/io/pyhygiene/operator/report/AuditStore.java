package io.pyhygiene.operator.report;

import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.memory.StringPool;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The latest combined audit of every reconciled workload: the source of PolicyReports, policy
 * statuses and gauges. A change marks its namespace and the policies of its old and new audit
 * dirty, and the publisher rewrites only those (an unchanged re-audit marks nothing).
 */
public final class AuditStore {

  /**
   * One workload's latest audit.
   *
   * @param kind its kind
   * @param namespace its namespace
   * @param name its name
   * @param uid its uid
   * @param audit the combined audit
   * @param changedAt when the audit last changed (stable across unchanged re-audits)
   */
  public record Entry(
      WorkloadKind kind,
      String namespace,
      String name,
      String uid,
      CombinedAudit audit,
      Instant changedAt) {
    public WorkloadId id() {
      return new WorkloadId(kind, namespace, name);
    }

    /** {@link WorkloadId#key()}. */
    public String key() {
      return id().key();
    }
  }

  private final Clock clock;
  private final SharedAudits shared;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Set<String> dirtyNamespaces = ConcurrentHashMap.newKeySet();
  private final Set<String> dirtyPolicies = ConcurrentHashMap.newKeySet();
  private final AtomicLong changes = new AtomicLong();
  private volatile BooleanSupplier complete = () -> true;

  public AuditStore(Clock clock) {
    this(clock, new StringPool());
  }

  /**
   * @param strings what the stored audits share their strings through (with the informer caches)
   */
  public AuditStore(Clock clock, StringPool strings) {
    this.clock = clock;
    this.shared = new SharedAudits(strings);
  }

  /** Sets what tells whether the store holds an audit of every workload yet. */
  public void completeWhen(BooleanSupplier condition) {
    this.complete = condition;
  }

  /**
   * Whether the store holds an audit of every workload (false at start-up until each has been
   * audited once): statuses and reports are published only from a complete store.
   */
  public boolean complete() {
    return complete.getAsBoolean();
  }

  /**
   * Stores an audit (an equal one that shares its findings, lists and strings with the other stored
   * audits: {@link SharedAudits}); returns whether it differs from the previous one.
   */
  public boolean put(WorkloadId id, String uid, CombinedAudit audit) {
    String key = id.key();
    String namespace = id.namespace();
    Entry previous = entries.get(key);
    if (previous != null && previous.audit().equals(audit) && Objects.equals(previous.uid(), uid)) {
      return false;
    }
    entries.put(
        key,
        new Entry(
            id.kind(),
            shared.string(namespace),
            shared.string(id.name()),
            shared.string(uid),
            shared.of(audit),
            clock.instant()));
    changes.incrementAndGet();
    dirtyNamespaces.add(namespace);
    if (previous != null) {
      dirtyPolicies.addAll(policies(previous.audit()));
    }
    dirtyPolicies.addAll(policies(audit));
    return true;
  }

  public void remove(WorkloadId id) {
    Entry previous = entries.remove(id.key());
    if (previous != null) {
      changes.incrementAndGet();
      dirtyNamespaces.add(id.namespace());
      dirtyPolicies.addAll(policies(previous.audit()));
    }
  }

  /** How many changes the store has seen: a count that moves whenever an audit changed. */
  public long changes() {
    return changes.get();
  }

  private static Set<String> policies(CombinedAudit a) {
    Set<String> out = new HashSet<>();
    a.policies().forEach(p -> out.add(p.policy()));
    return out;
  }

  public List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  public List<Entry> inNamespace(String namespace) {
    return entries.values().stream().filter(e -> e.namespace().equals(namespace)).toList();
  }

  /** The namespaces changed since the last drain (a failed write marks its namespace again). */
  public Set<String> drainDirtyNamespaces() {
    Set<String> out = new HashSet<>(dirtyNamespaces);
    dirtyNamespaces.removeAll(out);
    return out;
  }

  /** The policies whose counts may have changed since the last drain. */
  public Set<String> drainDirtyPolicies() {
    Set<String> out = new HashSet<>(dirtyPolicies);
    dirtyPolicies.removeAll(out);
    return out;
  }

  public void markPolicyDirty(String policy) {
    dirtyPolicies.add(policy);
  }

  public void markNamespaceDirty(String namespace) {
    dirtyNamespaces.add(namespace);
  }
}
