package io.pyhygiene.cli;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kubectl's {@code -l} syntax as a {@link LabelSelector}: comma-separated requirements {@code key},
 * {@code !key}, {@code key=value}, {@code key==value}, {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}. The cluster scan lists every object and selects workloads itself, so a
 * workload's Pods, ReplicaSets and Jobs (which may not carry its labels) still yield its runtime
 * evidence. The numeric {@code >}/{@code <} operators of the API server are refused: a
 * LabelSelector cannot say them.
 */
final class SelectorParser {

  private SelectorParser() {}

  /** A label key: an optional DNS-subdomain prefix and a name of up to 63 characters. */
  private static final String KEY =
      "(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";

  private static final String VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?";
  private static final Pattern SET =
      Pattern.compile("\\s*(" + KEY + ")\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*");
  private static final Pattern EQUALITY =
      Pattern.compile("\\s*(" + KEY + ")\\s*(==|=|!=)\\s*(" + VALUE + ")\\s*");
  private static final Pattern EXISTS = Pattern.compile("\\s*(!?)\\s*(" + KEY + ")\\s*");
  private static final Pattern VALUE_ONLY = Pattern.compile(VALUE);

  static LabelSelector parse(String text) {
    List<LabelSelectorRequirement> requirements = new ArrayList<>();
    for (String part : split(text)) {
      requirements.add(requirement(part));
    }
    LabelSelector s = new LabelSelector();
    s.setMatchExpressions(requirements);
    return s;
  }

  private static LabelSelectorRequirement requirement(String part) {
    Matcher m = SET.matcher(part);
    if (m.matches()) {
      List<String> values = new ArrayList<>();
      for (String v : m.group(3).split(",", -1)) {
        String value = v.trim();
        if (!VALUE_ONLY.matcher(value).matches()) {
          throw new IllegalArgumentException(
              "invalid label value '" + value + "' in '" + part.trim() + "'");
        }
        values.add(value);
      }
      return new LabelSelectorRequirement(
          m.group(1), m.group(2).equals("in") ? "In" : "NotIn", values);
    }
    m = EQUALITY.matcher(part);
    if (m.matches()) {
      return new LabelSelectorRequirement(
          m.group(1), m.group(2).equals("!=") ? "NotIn" : "In", List.of(m.group(3)));
    }
    m = EXISTS.matcher(part);
    if (m.matches()) {
      return new LabelSelectorRequirement(
          m.group(2), m.group(1).isEmpty() ? "Exists" : "DoesNotExist", List.of());
    }
    if (part.contains(">") || part.contains("<")) {
      throw new IllegalArgumentException(
          "'"
              + part.trim()
              + "': the > and < operators are not"
              + " supported; use =, !=, in, notin, key or !key");
    }
    throw new IllegalArgumentException(
        "cannot parse '"
            + part.trim()
            + "' (expected key, !key,"
            + " key=value, key!=value, key in (a,b) or key notin (a,b))");
  }

  /** Splits at commas outside parentheses. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty selector");
    }
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    if (depth != 0) {
      throw new IllegalArgumentException("unbalanced parentheses in '" + text + "'");
    }
    for (String p : parts) {
      if (p.isBlank()) {
        throw new IllegalArgumentException("empty requirement in '" + text + "'");
      }
    }
    return parts;
  }
}
