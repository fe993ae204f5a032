# Sourced by ./incubator and ./mvnw: exports JAVA_HOME pointing at a JDK >= 21.
# Order of preference: $JAVA_HOME, the java on PATH, then /usr/lib/jvm/* (newest first).

incubator_java_major() {
  # Prints the feature version of the java binary given as $1, or nothing.
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

incubator_select_jdk() {
  local required=21 candidate major
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
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "incubator: no JDK >= $required found (looked at JAVA_HOME, PATH and /usr/lib/jvm)." >&2
  echo "incubator: install one (e.g. 'apt-get install openjdk-21-jdk-headless') or set JAVA_HOME." >&2
  return 1
}
