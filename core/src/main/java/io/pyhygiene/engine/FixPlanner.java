package io.pyhygiene.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.MemoryQuantity;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.shell.ShellLexer;
import io.pyhygiene.workload.shell.ShellScript;
import io.pyhygiene.workload.shell.ShellToken;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Plans the remediation of one Deployment: a single server-side-apply patch of its pod template
 * (one rollout) that fixes the findings of the rules the policy asks to remediate. Pure: the
 * Deployment is read, never modified; the same input gives a byte-identical patch.
 *
 * <p>Every fix is checked rather than assumed: the patch is applied to a copy of the Deployment
 * as the API server would merge it ({@link ApplyMerge}) and the copy is audited again. A rule is
 * reported fixed only when none of its findings survive; otherwise it is reported not fixable
 * with the reason, and the fixes the patch does carry for its other containers stay in it.
 */
public final class FixPlanner {

  static final String SHELL_WRAPPER = "shell-wrapper";
  static final String RUN_AS_ROOT = "run-as-root";
  static final String PRIVILEGE_ESCALATION = "privilege-escalation";
  static final String CAPABILITIES_NOT_DROPPED = "capabilities-not-dropped";
  static final String SECCOMP_UNSET = "seccomp-unset";
  static final String MEMORY_LIMIT_MISSING = "memory-limit-missing";
  static final String PRESTOP_MISSING = "prestop-missing";
  static final String PYTHON_UNBUFFERED = "python-unbuffered";
  static final String GRACE_BUDGET = "grace-budget";

  /**
   * The rules the planner fixes, in the order their fields enter the patch. grace-budget comes
   * last: the grace period it needs depends on the preStop hooks the others add.
   */
  private static final List<String> FIXABLE = List.of(SHELL_WRAPPER, RUN_AS_ROOT,
      PRIVILEGE_ESCALATION, CAPABILITIES_NOT_DROPPED, SECCOMP_UNSET, MEMORY_LIMIT_MISSING,
      PRESTOP_MISSING, PYTHON_UNBUFFERED, GRACE_BUDGET);

  private final Auditor auditor;
  /** Converts between fabric8 objects and JSON trees; never reads or writes bytes. */
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Integer> catalogueOrder = new HashMap<>();

  public FixPlanner(Auditor auditor) {
    this.auditor = Objects.requireNonNull(auditor);
    for (Rule r : auditor.rules()) {
      catalogueOrder.put(r.id(), catalogueOrder.size());
    }
  }

  /** Fixes for the rules in {@code policy.remediation().rules()} that fire on this Deployment. */
  public FixPlan plan(Deployment deployment, AuditPolicy policy) {
    return new Planning(deployment, policy).run();
  }

  /**
   * One field the patch sets.
   *
   * @param rule the rule it fixes
   * @param container the container it belongs to, or {@code null} for the pod spec
   * @param path the field path below the container, or below {@code spec.template.spec}
   * @param value the value applied
   * @param change the secret-free description
   */
  private record Edit(String rule, String container, List<String> path, JsonNode value,
      String change) {}

  /** The state of one {@link #plan} call. */
  private final class Planning {
    private final Deployment deployment;
    private final AuditPolicy policy;
    private final WorkloadView view;
    private final PodSecurityContext podSecurityContext;
    /** Containers by name, in spec order (the order they take in the patch). */
    private final Map<String, Container> containers = new LinkedHashMap<>();
    private final Map<String, ContainerView> views = new HashMap<>();
    private final List<Edit> edits = new ArrayList<>();
    /** Rule id to the reasons, per container, that some of its findings stay. */
    private final Map<String, List<String>> unfixable = new HashMap<>();

    Planning(Deployment deployment, AuditPolicy policy) {
      this.deployment = deployment;
      this.policy = policy;
      this.view = WorkloadView.of(deployment);
      PodSpec spec = deployment.getSpec() == null || deployment.getSpec().getTemplate() == null
          ? null : deployment.getSpec().getTemplate().getSpec();
      this.podSecurityContext = spec == null ? null : spec.getSecurityContext();
      if (spec != null && spec.getContainers() != null) {
        for (Container c : spec.getContainers()) {
          if (c != null && c.getName() != null && !c.getName().isEmpty()) {
            containers.putIfAbsent(c.getName(), c);
          }
        }
      }
      for (ContainerView cv : view.containers()) {
        views.putIfAbsent(cv.name(), cv);
      }
    }

    FixPlan run() {
      Set<String> requested = policy.remediation().rules();
      WorkloadAudit before = auditor.audit(view, policy);
      Map<String, List<Finding>> firing = new LinkedHashMap<>();
      for (Finding f : before.findings()) {
        if (requested.contains(f.rule())) {
          firing.computeIfAbsent(f.rule(), k -> new ArrayList<>()).add(f);
        }
      }
      for (String rule : firing.keySet()) {
        if (!FIXABLE.contains(rule)) {
          unfixable(rule, "", "pyhygiene has no automatic fix for this rule");
        }
      }
      for (String rule : FIXABLE) {
        List<Finding> findings = firing.get(rule);
        if (findings == null || rule.equals(GRACE_BUDGET)) {
          continue;
        }
        for (Finding f : findings) {
          Container c = containers.get(f.container());
          ContainerView cv = views.get(f.container());
          if (c == null || cv == null) {
            unfixable(rule, f.container(), "the container has no name to key the patch on");
            continue;
          }
          fix(rule, c, cv).ifPresent(reason -> unfixable(rule, c.getName(), reason));
        }
      }
      if (before.python()) {
        Set<String> graceBefore = before.findings().stream()
            .filter(f -> f.rule().equals(GRACE_BUDGET)).map(Finding::container)
            .collect(Collectors.toSet());
        planGraceBudget(requested.contains(GRACE_BUDGET), graceBefore);
      }
      WorkloadAudit after = auditor.audit(WorkloadView.of(patched()), policy);
      List<String> fixed = new ArrayList<>();
      for (String rule : sortedByCatalogue(firing.keySet())) {
        if (unfixable.containsKey(rule)) {
          continue;
        }
        List<String> left = after.findings().stream()
            .filter(f -> f.rule().equals(rule)).map(Finding::container).toList();
        if (left.isEmpty()) {
          fixed.add(rule);
        } else {
          left.forEach(c -> unfixable(rule, c, "the planned change did not clear the finding"));
        }
      }
      Map<String, String> notFixable = new LinkedHashMap<>();
      for (String rule : sortedByCatalogue(unfixable.keySet())) {
        notFixable.put(rule, String.join("; ", unfixable.get(rule)));
      }
      return new FixPlan(patch(), fixed, notFixable, edits.stream().map(Edit::change).toList());
    }

    private Optional<String> fix(String rule, Container c, ContainerView cv) {
      return switch (rule) {
        case SHELL_WRAPPER -> fixShellWrapper(c, cv);
        case RUN_AS_ROOT -> fixRunAsRoot(c);
        case PRIVILEGE_ESCALATION -> fixPrivilegeEscalation(c);
        case CAPABILITIES_NOT_DROPPED -> {
          edit(rule, c, List.of("securityContext", "capabilities", "drop"),
              JsonNodeFactory.instance.arrayNode().add("ALL"),
              "securityContext.capabilities.drop=[ALL]");
          yield Optional.empty();
        }
        case SECCOMP_UNSET -> fixSeccomp(c);
        case MEMORY_LIMIT_MISSING -> fixMemoryLimit(c, cv);
        case PRESTOP_MISSING -> fixPreStop(c);
        case PYTHON_UNBUFFERED -> fixPythonUnbuffered(c);
        default -> Optional.of("pyhygiene has no automatic fix for this rule");
      };
    }

    private Optional<String> fixRunAsRoot(Container c) {
      long uid = policy.runAsUser();
      if (uid <= 0) {
        return Optional.of("the policy's runAsUser is not a non-zero UID");
      }
      edit(RUN_AS_ROOT, c, List.of("securityContext", "runAsNonRoot"),
          JsonNodeFactory.instance.booleanNode(true), "securityContext.runAsNonRoot=true");
      edit(RUN_AS_ROOT, c, List.of("securityContext", "runAsUser"),
          JsonNodeFactory.instance.numberNode(uid), "securityContext.runAsUser=" + uid);
      return Optional.empty();
    }

    private Optional<String> fixPrivilegeEscalation(Container c) {
      SecurityContext sc = c.getSecurityContext();
      // The API server rejects allowPrivilegeEscalation: false together with either of these.
      if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
        return Optional.of("it is privileged, and Kubernetes rejects allowPrivilegeEscalation:"
            + " false on a privileged container");
      }
      // The API server compares the exact spelling CAP_SYS_ADMIN, as here.
      Capabilities caps = sc == null ? null : sc.getCapabilities();
      if (caps != null && caps.getAdd() != null && caps.getAdd().contains("CAP_SYS_ADMIN")) {
        return Optional.of("it adds CAP_SYS_ADMIN, and Kubernetes rejects"
            + " allowPrivilegeEscalation: false with it");
      }
      edit(PRIVILEGE_ESCALATION, c, List.of("securityContext", "allowPrivilegeEscalation"),
          JsonNodeFactory.instance.booleanNode(false),
          "securityContext.allowPrivilegeEscalation=false");
      return Optional.empty();
    }

    private Optional<String> fixSeccomp(Container c) {
      SecurityContext sc = c.getSecurityContext();
      boolean ownProfile = sc != null && sc.getSeccompProfile() != null
          && sc.getSeccompProfile().getType() != null;
      if (ownProfile) {
        // The container's own profile (Unconfined) overrides the pod's: fix it where it is.
        edit(SECCOMP_UNSET, c, List.of("securityContext", "seccompProfile", "type"),
            JsonNodeFactory.instance.textNode("RuntimeDefault"),
            "securityContext.seccompProfile.type=RuntimeDefault");
      } else if (edits.stream().noneMatch(e -> e.rule().equals(SECCOMP_UNSET)
          && e.container() == null)) {
        edit(SECCOMP_UNSET, null, List.of("securityContext", "seccompProfile", "type"),
            JsonNodeFactory.instance.textNode("RuntimeDefault"),
            "securityContext.seccompProfile.type=RuntimeDefault");
      }
      return Optional.empty();
    }

    private Optional<String> fixMemoryLimit(Container c, ContainerView cv) {
      long limit = policy.memoryDefaultBytes();
      String value = MemoryQuantity.format(limit);
      Optional<MemoryQuantity> request = cv.memoryRequest();
      if (request.isPresent()) {
        if (request.get().bytes().isEmpty()) {
          return Optional.of("its memory request is not a quantity, so no limit can be derived");
        }
        if (request.get().bytes().getAsLong() > limit) {
          value = request.get().raw(); // a limit below the request is rejected
        }
      }
      edit(MEMORY_LIMIT_MISSING, c, List.of("resources", "limits", "memory"),
          JsonNodeFactory.instance.textNode(value), "resources.limits.memory=" + value);
      return Optional.empty();
    }

    private Optional<String> fixPreStop(Container c) {
      int seconds = policy.preStopSeconds();
      if (seconds <= 0) {
        return Optional.of("the policy's preStopSeconds is 0");
      }
      edit(PRESTOP_MISSING, c, List.of("lifecycle", "preStop", "sleep", "seconds"),
          JsonNodeFactory.instance.numberNode(seconds),
          "lifecycle.preStop.sleep.seconds=" + seconds);
      return Optional.empty();
    }

    private Optional<String> fixPythonUnbuffered(Container c) {
      long entries = c.getEnv() == null ? 0 : c.getEnv().stream()
          .filter(e -> e != null && "PYTHONUNBUFFERED".equals(e.getName())).count();
      if (entries > 1) {
        // env is keyed by name in server-side apply: a duplicated key cannot be applied to.
        return Optional.of("PYTHONUNBUFFERED is listed more than once in env");
      }
      ArrayNode env = JsonNodeFactory.instance.arrayNode();
      env.addObject().put("name", "PYTHONUNBUFFERED").put("value", "1");
      edit(PYTHON_UNBUFFERED, c, List.of("env"), env, "env PYTHONUNBUFFERED=1");
      return Optional.empty();
    }

    /**
     * Puts {@code exec} before the final command of the {@code -c} script, when the script is a
     * plain chain of simple commands ending with the app; the rewrite counts only when the
     * process model of the rewritten container has the app take over PID 1.
     */
    private Optional<String> fixShellWrapper(Container c, ContainerView cv) {
      List<String> command = nonNull(c.getCommand());
      List<String> args = nonNull(c.getArgs());
      List<String> argv = new ArrayList<>(command);
      argv.addAll(args);
      ProcessModel before = cv.process();
      String reason = null;
      for (int i = 1; i < argv.size(); i++) {
        if (!isScriptPosition(argv, i)) {
          continue;
        }
        ExecInsertion insertion = ExecInsertion.of(argv.get(i));
        if (insertion.script() == null) {
          reason = reason == null ? insertion.reason() : reason;
          continue;
        }
        boolean inCommand = i < command.size();
        List<String> list = new ArrayList<>(inCommand ? command : args);
        list.set(inCommand ? i : i - command.size(), insertion.script());
        Container rewritten = inCommand
            ? new ContainerBuilder(c).withCommand(list).build()
            : new ContainerBuilder(c).withArgs(list).build();
        ProcessModel after = ContainerView.of(rewritten, podSecurityContext).process();
        // In a simple chain an exec'd final command always replaces the shell: if the app is
        // still its child, or another program took its place, the app was not that command.
        boolean appTookOver = after.app().equals(before.app())
            && after.mainProgram().equals(before.mainProgram())
            && !after.shellSwallowsSigterm()
            && after.placement() != ProcessModel.Placement.CHILD_OF_SHELL;
        if (!appTookOver) {
          reason = reason == null ? "the app is not the script's final command" : reason;
          continue;
        }
        String field = inCommand ? "command" : "args";
        ArrayNode value = JsonNodeFactory.instance.arrayNode();
        list.forEach(value::add);
        edit(SHELL_WRAPPER, c, List.of(field), value,
            field + ": exec before the final command of the shell script");
        return Optional.empty();
      }
      return Optional.of(reason != null ? reason : "no -c script was found in command or args");
    }

    /**
     * Raises the grace period to what the pod needs once the other fixes are in (a preStop the
     * patch adds counts). When grace-budget is not being fixed, a preStop that would push a
     * container over a grace period it fits today is taken out again: a fix must not create an
     * error.
     *
     * @param graceBefore the containers grace-budget fires on before any fix
     */
    private void planGraceBudget(boolean fixGrace, Set<String> graceBefore) {
      WorkloadView copy = WorkloadView.of(patched());
      List<Finding> grace = auditor.audit(copy, policy).findings().stream()
          .filter(f -> f.rule().equals(GRACE_BUDGET)).toList();
      if (!fixGrace) {
        for (Finding f : grace) {
          boolean removed = !graceBefore.contains(f.container())
              && edits.removeIf(e -> e.rule().equals(PRESTOP_MISSING)
                  && f.container().equals(e.container()));
          if (removed) {
            unfixable(PRESTOP_MISSING, f.container(), "a " + policy.preStopSeconds() + " s preStop"
                + " would exceed its grace period; remediate grace-budget too, or raise"
                + " terminationGracePeriodSeconds");
          }
        }
        return;
      }
      Map<String, ContainerView> copied = new HashMap<>();
      copy.containers().forEach(cv -> copied.putIfAbsent(cv.name(), cv));
      long required = 0;
      for (Finding f : grace) {
        ContainerView cv = copied.get(f.container());
        if (cv == null) {
          unfixable(GRACE_BUDGET, f.container(), "the container has no name");
          continue;
        }
        Drain drain = cv.server().drain();
        double preStop = cv.preStop().seconds();
        if (drain.kind() == Drain.Kind.UNBOUNDED) {
          String program = cv.process().app().map(a -> a.kind().program()).orElse("the server");
          unfixable(GRACE_BUDGET, f.container(), program
              + " drain is unbounded: add --timeout-graceful-shutdown");
        } else if (Double.isInfinite(preStop) || Double.isNaN(preStop)) {
          unfixable(GRACE_BUDGET, f.container(), "its preStop hook never ends");
        } else {
          required = Math.max(required,
              (long) Math.ceil(preStop + drain.seconds() + policy.marginSeconds()));
        }
      }
      long current = copy.terminationGracePeriodSeconds();
      if (required > current) {
        edit(GRACE_BUDGET, null, List.of("terminationGracePeriodSeconds"),
            JsonNodeFactory.instance.numberNode(required),
            "terminationGracePeriodSeconds=" + required + " (was " + current + ")");
      }
    }

    private void edit(String rule, Container c, List<String> path, JsonNode value, String what) {
      String container = c == null ? null : c.getName();
      String change = (container == null ? "pod: " : "container " + container + ": ") + what;
      edits.add(new Edit(rule, container, path, value, change));
    }

    private void unfixable(String rule, String container, String reason) {
      String line = container == null || container.isEmpty()
          ? reason : "container " + container + ": " + reason;
      List<String> reasons = unfixable.computeIfAbsent(rule, k -> new ArrayList<>());
      if (!reasons.contains(line)) {
        reasons.add(line);
      }
    }

    /** The apply configuration carrying every edit; only identity when there is none. */
    private ObjectNode patch() {
      ObjectNode patch = JsonNodeFactory.instance.objectNode();
      patch.put("apiVersion", "apps/v1");
      patch.put("kind", "Deployment");
      ObjectNode meta = patch.putObject("metadata");
      meta.put("name", view.name());
      if (!view.namespace().isEmpty()) {
        meta.put("namespace", view.namespace());
      }
      if (edits.isEmpty()) {
        return patch;
      }
      ObjectNode podSpec = JsonNodeFactory.instance.objectNode();
      for (Edit e : edits) {
        if (e.container() == null) {
          set(podSpec, e.path(), e.value());
        }
      }
      ArrayNode list = JsonNodeFactory.instance.arrayNode();
      for (String name : containers.keySet()) {
        ObjectNode container = null;
        for (Edit e : edits) {
          if (name.equals(e.container())) {
            if (container == null) {
              container = JsonNodeFactory.instance.objectNode().put("name", name);
            }
            set(container, e.path(), e.value());
          }
        }
        if (container != null) {
          list.add(container);
        }
      }
      if (!list.isEmpty()) {
        podSpec.set("containers", list);
      }
      patch.putObject("spec").putObject("template").set("spec", podSpec);
      return patch;
    }

    /** The Deployment as it would be after the API server merged the current patch. */
    private Deployment patched() {
      ObjectNode live = json.valueToTree(deployment);
      return json.convertValue(ApplyMerge.merge(live, patch()), Deployment.class);
    }
  }

  private List<String> sortedByCatalogue(Set<String> ids) {
    return ids.stream().sorted((a, b) -> {
      int c = Integer.compare(catalogueOrder.getOrDefault(a, Integer.MAX_VALUE),
          catalogueOrder.getOrDefault(b, Integer.MAX_VALUE));
      return c != 0 ? c : a.compareTo(b);
    }).toList();
  }

  private static void set(ObjectNode root, List<String> path, JsonNode value) {
    ObjectNode node = root;
    for (int i = 0; i < path.size() - 1; i++) {
      JsonNode next = node.get(path.get(i));
      node = next instanceof ObjectNode o ? o : node.putObject(path.get(i));
    }
    node.set(path.get(path.size() - 1), value.deepCopy());
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list.stream().filter(Objects::nonNull).toList();
  }

  /**
   * Whether {@code argv[i]} is the operand of a shell's {@code -c}: it follows an option cluster
   * holding {@code c} ({@code -c}, {@code -ec}), possibly with other options in between.
   */
  private static boolean isScriptPosition(List<String> argv, int i) {
    if (argv.get(i).startsWith("-")) {
      return false;
    }
    for (int j = i - 1; j >= 0; j--) {
      String a = argv.get(j);
      boolean option = (a.startsWith("-") || a.startsWith("+")) && a.length() > 1
          && !a.startsWith("--");
      if (!option) {
        return false;
      }
      if (a.indexOf('c', 1) >= 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code exec} put before the final command of a script that is a simple chain: top-level
   * simple commands joined by {@code &&}, {@code ||}, {@code ;} or newlines, with no pipeline,
   * background job, subshell, brace group, compound command, negation or trap. Anything else
   * changes what the shell does around its last command, so it is left to a person.
   *
   * @param script the rewritten script, or {@code null}
   * @param reason why the script cannot be rewritten (never quotes the script)
   */
  record ExecInsertion(String script, String reason) {

    static ExecInsertion of(String script) {
      for (ShellToken t : ShellLexer.tokenize(script)) {
        if (t.type() != ShellToken.Type.OPERATOR) {
          continue;
        }
        switch (t.text()) {
          case "|", "|&" -> {
            return notSimple("it has a pipeline (|)");
          }
          case "&" -> {
            return notSimple("it runs a command in the background (&)");
          }
          case "(", ")" -> {
            return notSimple("it has a subshell or a function definition");
          }
          case ";;" -> {
            return notSimple("it has a case statement");
          }
          default -> {
            // ;, && and || join the commands of a chain
          }
        }
      }
      List<ShellScript.Statement> statements = ShellScript.parse(script).statements();
      ShellScript.Simple last = null;
      for (ShellScript.Statement st : statements) {
        if (st.background()) {
          return notSimple("it runs a command in the background (&)");
        }
        for (ShellScript.Pipeline p : st.body().pipelines()) {
          if (p.negated()) {
            return notSimple("it negates a command (!)");
          }
          if (p.commands().size() != 1) {
            return notSimple("it has a pipeline (|)");
          }
          ShellScript.Node node = p.commands().get(0);
          if (node instanceof ShellScript.Group g) {
            return notSimple(g.subshell() ? "it has a subshell" : "it has a { } group");
          }
          if (node instanceof ShellScript.Compound c) {
            return notSimple("it has a compound command (" + c.keyword() + ")");
          }
          ShellScript.Simple simple = (ShellScript.Simple) node;
          if (simple.name().equals("trap")) {
            return notSimple("it sets a trap");
          }
          if (!simple.isEmpty()) {
            last = simple;
          }
        }
      }
      if (last == null || last != lastCommand(statements)) {
        return new ExecInsertion(null, "the script has no final command to exec");
      }
      if (last.name().equals("exec")) {
        return new ExecInsertion(null, "its final command already uses exec");
      }
      int at = last.start();
      if (at < 0 || at > script.length()) {
        return new ExecInsertion(null, "the final command could not be located in the script");
      }
      return new ExecInsertion(script.substring(0, at) + "exec " + script.substring(at), null);
    }

    private static ShellScript.Simple lastCommand(List<ShellScript.Statement> statements) {
      if (statements.isEmpty()) {
        return null;
      }
      List<ShellScript.Pipeline> ps = statements.get(statements.size() - 1).body().pipelines();
      ShellScript.Node node = ps.get(ps.size() - 1).commands().get(0);
      return node instanceof ShellScript.Simple s ? s : null;
    }

    private static ExecInsertion notSimple(String why) {
      return new ExecInsertion(null, "script is not a simple chain: " + why);
    }
  }
}
