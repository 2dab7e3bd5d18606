package io.pyhygiene.engine;

/**
 * What a rule is, for documentation, SARIF and the {@code rules} command.
 *
 * @param id stable id (a public contract: never renamed)
 * @param severity default severity
 * @param category the area
 * @param title one line
 * @param why why it matters
 * @param fix how to fix it, ending with a period
 * @param example a failing manifest fragment and its fixed form, as YAML text
 */
public record RuleInfo(
    String id,
    Severity severity,
    Category category,
    String title,
    String why,
    String fix,
    String example) {}
