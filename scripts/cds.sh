#!/usr/bin/env bash
# Builds the class-data archive that bin/pyhygiene starts the CLI with, next to the jar, for the
# Java that runs this script (JAVA_HOME, else java on PATH). Meant for package time, after the jar.
#
#   scripts/cds.sh [JAR]     default: dist/target/pyhygiene.jar, else operator/target/pyhygiene.jar
#
# Java 17-24: a dynamic AppCDS archive, JAR without .jar + .javaN.jsa (-XX:ArchiveClassesAtExit).
# Java 25+:   an AOT cache, JAR without .jar + .javaN.aot (-XX:AOTCacheOutput, JEP 483/514).
# Training run: `audit` of 200 generated Deployments (bench/peers/generate.py, every rule fires)
# with the launcher's flags and JSON output (the CI path; the text and SARIF renderers are a few
# classes loaded from the jar).
# An archive is only valid for the jar it was built from: rebuild it whenever the jar changes
# (the JVM checks and falls back to plain class loading when they differ).
set -euo pipefail
cd "$(dirname "$0")/.."

jar="${1:-}"
if [[ -z "$jar" ]]; then
  for candidate in dist/target/pyhygiene.jar operator/target/pyhygiene.jar; do
    [[ -f "$candidate" ]] && { jar="$candidate"; break; }
  done
fi
[[ -n "$jar" && -f "$jar" ]] || { echo "cds.sh: no jar: pass its path" >&2; exit 2; }
jar="$(readlink -f "$jar")"

if [[ -n "${JAVA_HOME:-}" ]]; then java="$JAVA_HOME/bin/java"; else java="$(command -v java)"; fi
release_file="$(dirname "$(dirname "$(readlink -f "$java")")")/release"
feature="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release_file")"
[[ -n "$feature" ]] || { echo "cds.sh: cannot tell the Java version from $release_file" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/peers/generate.py --count 200 --seed 7 --out "$work/train" >/dev/null
# The launcher's flags (bin/pyhygiene), so the archive matches how it is used.
flags=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC
       -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN)
audit=(audit -f "$work/train/deployments.yaml" --policy "$work/train/policy.yaml" --now 2026-11-25
       --fail-on never)

if (( feature >= 25 )); then
  out="${jar%.jar}.java$feature.aot"
  rm -f "$out"
  "$java" "${flags[@]}" "-XX:AOTCacheOutput=$out" -jar "$jar" "${audit[@]}" -o json >/dev/null
else
  out="${jar%.jar}.java$feature.jsa"
  rm -f "$out"
  "$java" "${flags[@]}" "-XX:ArchiveClassesAtExit=$out" -jar "$jar" "${audit[@]}" -o json >/dev/null
fi
echo "$out ($(du -h "$out" | cut -f1), Java $feature)"
