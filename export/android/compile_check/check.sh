#!/usr/bin/env bash
# Type-checks export/android/SuperResolver.kt with a real Kotlin compiler, offline.
#
# Needs:
#   * Java 17 (java, javac on PATH; JAVA_HOME is not needed).
#   * A Kotlin compiler (2.1.0 is what the check was written with), the first found of:
#       - KOTLINC=/path/to/kotlinc  (any kotlinc 2.x, e.g. from the kotlinc zip or the npm package);
#       - the Maven-cache jars ~/.m2/repository/org/jetbrains/.../kotlin-compiler-embeddable-$KOTLIN_VERSION.jar
#         and its dependencies (kotlin-stdlib, kotlin-script-runtime, kotlin-reflect 1.6.10,
#         kotlin-daemon-embeddable, trove4j, kotlinx-coroutines-core-jvm 1.6.4, annotations 13.0),
#         run as `java -cp ... org.jetbrains.kotlin.cli.jvm.K2JVMCompiler`;
#       - the npm package, installed with `npm install -g kotlin-compiler@2.1.0`
#         (it ships the full kotlinc distribution under $(npm root -g)/kotlin-compiler).
#   * android.jar (API 23): ANDROID_JAR=/path/to/android.jar, or Debian's
#     /usr/lib/android-sdk/platforms/android-23/android.jar (packages android-sdk-platform-23 +
#     libandroid-23-java, in Debian bullseye; bookworm no longer has them).
#
# The LiteRT classes (org.tensorflow.lite.*) are NOT the real library: stubs/ holds Java stubs with
# the signatures of the official API (each file names its source). So this checks that the sample
# compiles against the documented API; it does not run anything on a device.
#
# Usage: bash export/android/compile_check/check.sh      (exit 0: compiles; non-zero: it does not)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SAMPLE="${SAMPLE:-$HERE/../SuperResolver.kt}"
KOTLIN_VERSION="${KOTLIN_VERSION:-2.1.0}"
M2="${M2_REPO:-$HOME/.m2/repository}"

die() { echo "compile_check: $*" >&2; exit 2; }

command -v javac >/dev/null 2>&1 || die "javac not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
java_major="$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')"
[ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "javac $(javac -version 2>&1) is too old: Java 17 or newer is needed"

ANDROID_JAR="${ANDROID_JAR:-/usr/lib/android-sdk/platforms/android-23/android.jar}"
[ -f "$ANDROID_JAR" ] || die "android.jar not found at $ANDROID_JAR: set ANDROID_JAR or install Debian's android-sdk-platform-23 (bullseye)"

# --- the Kotlin compiler: KOTLINC, else the Maven-cache jars, else the npm package ---------------
kotlin_cmd=()
kotlin_from=""
m2jar() { # group/path artifact version -> jar path (empty if missing)
  local f="$M2/$1/$2/$3/$2-$3.jar"
  if [ -f "$f" ]; then echo "$f"; fi
}
if [ -n "${KOTLINC:-}" ]; then
  [ -x "$KOTLINC" ] || die "KOTLINC=$KOTLINC is not an executable kotlinc"
  kotlin_cmd=("$KOTLINC")
  kotlin_from="KOTLINC=$KOTLINC"
else
  embeddable="$(m2jar org/jetbrains/kotlin kotlin-compiler-embeddable "$KOTLIN_VERSION")"
  stdlib="$(m2jar org/jetbrains/kotlin kotlin-stdlib "$KOTLIN_VERSION")"
  if [ -n "$embeddable" ] && [ -n "$stdlib" ]; then
    deps=("$embeddable" "$stdlib")
    for spec in "org/jetbrains/kotlin kotlin-script-runtime $KOTLIN_VERSION" \
                "org/jetbrains/kotlin kotlin-reflect 1.6.10" \
                "org/jetbrains/kotlin kotlin-daemon-embeddable $KOTLIN_VERSION" \
                "org/jetbrains/intellij/deps trove4j 1.0.20200330" \
                "org/jetbrains/kotlinx kotlinx-coroutines-core-jvm 1.6.4" \
                "org/jetbrains annotations 13.0"; do
      # shellcheck disable=SC2086
      jar="$(m2jar $spec)"
      [ -n "$jar" ] || die "Kotlin compiler jars incomplete in $M2: missing $(echo $spec | tr ' ' ':')"
      deps+=("$jar")
    done
    kotlin_cmd=(java -cp "$(IFS=:; echo "${deps[*]}")" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler)
    kotlin_from="kotlin-compiler-embeddable $KOTLIN_VERSION from $M2"
  elif command -v npm >/dev/null 2>&1 && [ -x "$(npm root -g 2>/dev/null)/kotlin-compiler/bin/kotlinc" ]; then
    kotlin_cmd=("$(npm root -g)/kotlin-compiler/bin/kotlinc")
    kotlin_from="npm package kotlin-compiler ($(npm root -g)/kotlin-compiler)"
  else
    die "no Kotlin compiler: set KOTLINC, put kotlin-compiler-embeddable-$KOTLIN_VERSION.jar (+deps) in $M2, or npm install -g kotlin-compiler@$KOTLIN_VERSION"
  fi
fi
# The stdlib the sample compiles against: the Maven-cache one, else the compiler's own.
stdlib_cp=""
if [ -n "${stdlib:-}" ] && [ "$kotlin_from" = "kotlin-compiler-embeddable $KOTLIN_VERSION from $M2" ]; then
  stdlib_cp=":$stdlib"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sr-compile-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "compile_check: javac $(javac -version 2>&1 | cut -d' ' -f2), android.jar $ANDROID_JAR"
echo "compile_check: Kotlin: $kotlin_from ($("${kotlin_cmd[@]}" -version 2>&1 | grep -o 'kotlinc-jvm [^ ]*' || echo 'version unknown'))"

# 1. the LiteRT stubs
mapfile -t stub_sources < <(find "$HERE/stubs" -name '*.java' | sort)
javac --release 8 -Xlint:-options -nowarn -d "$WORK/stubs" "${stub_sources[@]}"

# 2. the sample, against android.jar (which also provides java.* as on the device: -no-jdk) + stubs.
#    -Werror: deprecations and other warnings fail the check too.
"${kotlin_cmd[@]}" -no-jdk -no-reflect ${stdlib_cp:+-no-stdlib} -jvm-target 1.8 -Werror \
  -classpath "$ANDROID_JAR:$WORK/stubs${stdlib_cp}" \
  -d "$WORK/classes" "$SAMPLE"

echo "compile_check: OK: $(cd "$WORK/classes" && find . -name '*.class' | wc -l | tr -d ' ') classes from $(basename "$SAMPLE")"
