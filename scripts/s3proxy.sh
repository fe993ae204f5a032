#!/usr/bin/env bash
# Starts (or stops) a throw-away S3-compatible server (S3Proxy on the local filesystem) for the integration
# tests and prints its endpoint.
#   scripts/s3proxy.sh start   -> prints http://127.0.0.1:PORT
#   scripts/s3proxy.sh stop
#   scripts/s3proxy.sh env     -> export lines for INCUBATOR_TEST_S3_URL / _ACCESS_KEY / _SECRET_KEY
# Settings: INCUBATOR_S3_DIR (default /tmp/incubator-s3proxy), INCUBATOR_S3_PORT (default 58080).
# S3Proxy comes from Maven Central (org.gaul:s3proxy:4.1.0, jar-with-dependencies), fetched by ./mvnw.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${INCUBATOR_S3_DIR:-/tmp/incubator-s3proxy}
port=${INCUBATOR_S3_PORT:-58080}
version=4.1.0
url="http://127.0.0.1:${port}"
access=incubator-test
secret=incubator-test-secret
jar="$HOME/.m2/repository/org/gaul/s3proxy/${version}/s3proxy-${version}-jar-with-dependencies.jar"

java_bin() {
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ]; then echo "$candidate/bin/java"; return; fi
  done
  echo java
}

up() {
  curl -s -o /dev/null --max-time 2 "$url/" && return 0 || return 1
}

case "${1:-start}" in
  start)
    if up; then echo "$url"; exit 0; fi
    if [ ! -f "$jar" ]; then
      "$root/mvnw" -q -B dependency:get -Dartifact="org.gaul:s3proxy:${version}:jar:jar-with-dependencies" \
        -Dtransitive=false >&2
    fi
    mkdir -p "$dir/data"
    cat > "$dir/s3proxy.conf" <<CONF
s3proxy.endpoint=${url}
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=${access}
s3proxy.credential=${secret}
jclouds.provider=filesystem
jclouds.filesystem.basedir=${dir}/data
CONF
    nohup "$(java_bin)" -Xmx512m -jar "$jar" --properties "$dir/s3proxy.conf" >"$dir/s3proxy.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 1 60); do
      if up; then echo "$url"; exit 0; fi
      sleep 0.5
    done
    echo "s3proxy.sh: S3Proxy did not answer on $url; see $dir/s3proxy.log" >&2
    tail -20 "$dir/s3proxy.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid"; fi
    ;;
  env)
    echo "export INCUBATOR_TEST_S3_URL=$url INCUBATOR_TEST_S3_ACCESS_KEY=$access INCUBATOR_TEST_S3_SECRET_KEY=$secret"
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: scripts/s3proxy.sh start|stop|env|url" >&2
    exit 2
    ;;
esac
