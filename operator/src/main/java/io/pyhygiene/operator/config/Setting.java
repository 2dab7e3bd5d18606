package io.pyhygiene.operator.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One setting, bound once: the environment variable, its default, how its text is parsed, and what
 * it means. {@link OperatorSettings} reads each from the environment, {@code pyhygiene run --help}
 * lists them, and the operations guide's table is checked against them, so a setting cannot be read
 * under one name and documented under another.
 *
 * @param key the environment variable
 * @param defaultValue the text used when the variable is unset (parsed like a set value)
 * @param shownDefault how the default reads in the guide and in --help, when it is not the literal
 *     {@code defaultValue} (a derived default such as "the operator's namespace"); empty to show
 *     {@code defaultValue}
 * @param description one or two sentences, the same in --help and in the guide
 * @param expected what a valid value looks like, for the error message
 * @param parser turns the text into the value; throws on a bad value
 * @param <T> the value's type
 */
public record Setting<T>(
    String key,
    String defaultValue,
    String shownDefault,
    String description,
    String expected,
    Function<String, T> parser) {

  /** A setting whose default is shown as it is. */
  static <T> Setting<T> of(
      String key,
      String defaultValue,
      String description,
      String expected,
      Function<String, T> parser) {
    return new Setting<>(key, defaultValue, "", description, expected, parser);
  }

  /** A free-text setting (any value is valid). */
  static Setting<String> text(
      String key, String defaultValue, String shownDefault, String description) {
    return new Setting<>(key, defaultValue, shownDefault, description, "any text", String::trim);
  }

  /**
   * The default as the guide's table shows it: the literal value in backticks, or the derived
   * default's words.
   */
  public String documentedDefault() {
    if (!shownDefault.isEmpty()) {
      return shownDefault;
    }
    return defaultValue.isEmpty() ? "(empty)" : "`" + defaultValue + "`";
  }

  /**
   * The value in {@code env}, or the default's. A bad value adds {@code KEY=value: expected ...} to
   * {@code errors} and yields the default, so every bad variable is named at once.
   */
  T read(Map<String, String> env, List<String> errors) {
    String set = env.get(key);
    String text = set == null ? defaultValue : set.trim();
    try {
      return parser.apply(text);
    } catch (RuntimeException e) {
      errors.add(key + "=" + text + ": expected " + expected);
      return parser.apply(defaultValue);
    }
  }
}
