# Sourced by ./incubator and ./mvnw: exports JAVA_HOME pointing at a JDK >= 21, and INCUBATOR_JAVA_MAJOR.
# Order of preference: $JAVA_HOME, the java on PATH, then /usr/lib/jvm/* (newest first). The choice is kept in
# $INCUBATOR_JDK_CACHE (when set) so later runs skip the probing, which starts a JVM per candidate.

incubator_java_major() {
  # Prints the feature version of the java binary given as $1, or nothing. The release file avoids starting a JVM.
  local home release
  home=$(dirname "$(dirname "$1")")
  release=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release" 2>/dev/null | head -n 1)
  if [ -n "$release" ]; then
    echo "$release"
    return
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

incubator_select_jdk() {
  local required=21 candidate major cached
  local cache=${INCUBATOR_JDK_CACHE:-}
  if [ -n "$cache" ] && [ -r "$cache" ]; then
    read -r cached major < "$cache" || true
    if [ -n "${cached:-}" ] && [ -x "$cached/bin/java" ] && { [ -z "${JAVA_HOME:-}" ] || [ "$JAVA_HOME" = "$cached" ]; }; then
      export JAVA_HOME="$cached" INCUBATOR_JAVA_MAJOR="$major"
      return 0
    fi
  fi
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidates+=("${candidate%/}")
  done
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(incubator_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$required" ]; then
      export JAVA_HOME="$candidate" INCUBATOR_JAVA_MAJOR="$major"
      if [ -n "$cache" ]; then
        mkdir -p "$(dirname "$cache")" && echo "$candidate $major" > "$cache" 2>/dev/null || true
      fi
      return 0
    fi
  done
  echo "incubator: no JDK >= $required found (looked at JAVA_HOME, PATH and /usr/lib/jvm)." >&2
  echo "incubator: install one (e.g. 'apt-get install openjdk-21-jdk-headless') or set JAVA_HOME." >&2
  return 1
}
