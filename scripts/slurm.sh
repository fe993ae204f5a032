#!/usr/bin/env bash
# Starts (or stops) a single-node Slurm with fake GPUs, munge and slurmrestd (JWT) for the integration tests.
#   scripts/slurm.sh start   -> prints the slurmrestd URL (http://127.0.0.1:PORT)
#   scripts/slurm.sh stop
#   scripts/slurm.sh env     -> prints INCUBATOR_TEST_SLURM_* variables to eval
#   scripts/slurm.sh restd-stop | restd-start   -> stop or start slurmrestd alone (outage tests)
# Settings: INCUBATOR_SLURM_DIR (default /tmp/incubator-slurm), INCUBATOR_SLURM_PORT (default 6820),
#           INCUBATOR_SLURM_GPUS (default 4 fake GPUs).
# Needs root (slurmd runs jobs as their users; the fake GPUs are device nodes) and the Debian packages
# slurmctld slurmd slurm-client munge slurmrestd slurm-wlm-jwt-plugin (installed when missing).
# Running against a real multi-node cluster instead: see docs/slurm.md.
set -euo pipefail

dir=${INCUBATOR_SLURM_DIR:-/tmp/incubator-slurm}
port=${INCUBATOR_SLURM_PORT:-6820}
gpus=${INCUBATOR_SLURM_GPUS:-4}
host=$(hostname -s)
url="http://127.0.0.1:${port}"

log() { echo "slurm.sh: $*" >&2; }

install_packages() {
  local missing=()
  for cmd in slurmctld slurmd slurmrestd munged scontrol; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ -e /usr/lib/x86_64-linux-gnu/slurm-wlm/auth_jwt.so ] || ls /usr/lib/*/slurm-wlm/auth_jwt.so >/dev/null 2>&1 \
    || missing+=(jwt)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Slurm packages (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge slurmrestd \
      slurm-wlm-jwt-plugin >/dev/null
  fi
}

write_config() {
  mkdir -p "$dir"/{state,spool,log,run,dev,jobs}
  chmod 1777 "$dir/jobs"
  for ((i = 0; i < gpus; i++)); do
    [ -e "$dir/dev/fakegpu$i" ] || mknod "$dir/dev/fakegpu$i" c 1 3
  done
  if [ ! -f "$dir/jwt.key" ]; then
    head -c 32 /dev/urandom >"$dir/jwt.key"
    chmod 600 "$dir/jwt.key"
  fi
  local cpus
  cpus=$(( $(nproc) < 8 ? 8 : $(nproc) ))
  cat >"$dir/slurm.conf" <<EOF
ClusterName=incubator
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=${dir}/jwt.key
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/run/slurmctld.pid
SlurmdPidFile=${dir}/run/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
SlurmdParameters=config_overrides
GresTypes=gpu
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
ReturnToService=2
KillWait=5
SchedulerType=sched/backfill
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=16000 Gres=gpu:fake:${gpus} State=UNKNOWN
PartitionName=gpu Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
  {
    echo "AutoDetect=off"
    echo "NodeName=${host} Name=gpu Type=fake File=${dir}/dev/fakegpu[0-$((gpus - 1))]"
  } >"$dir/gres.conf"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

restd_start() {
  if ! running "$dir/run/slurmrestd.pid"; then
    SLURM_JWT=daemon SLURMRESTD_SECURITY=disable_user_check setsid slurmrestd -f "$dir/slurm.conf" \
      -s openapi/v0.0.38 -a rest_auth/jwt -u nobody "127.0.0.1:${port}" >>"$dir/log/slurmrestd.log" 2>&1 &
    echo $! >"$dir/run/slurmrestd.pid"
  fi
}

restd_stop() {
  if running "$dir/run/slurmrestd.pid"; then
    kill "$(cat "$dir/run/slurmrestd.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do running "$dir/run/slurmrestd.pid" || break; sleep 0.1; done
  fi
  rm -f "$dir/run/slurmrestd.pid"
}

start() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root (slurmd, device nodes)"; exit 3
  fi
  install_packages
  write_config
  export SLURM_CONF="$dir/slurm.conf"
  install -d -o munge -g munge /run/munge
  if ! pgrep -x munged >/dev/null; then
    runuser -u munge -- /usr/sbin/munged
  fi
  running "$dir/run/slurmctld.pid" || slurmctld -f "$dir/slurm.conf"
  running "$dir/run/slurmd.pid" || slurmd -f "$dir/slurm.conf"
  restd_start
  local token
  for _ in $(seq 1 60); do
    token=$(SLURM_CONF="$dir/slurm.conf" scontrol token username=root lifespan=300 2>/dev/null | sed 's/SLURM_JWT=//') || true
    if [ -n "${token:-}" ] && curl -fsS -H "X-SLURM-USER-NAME: root" -H "X-SLURM-USER-TOKEN: $token" \
        "$url/slurm/v0.0.38/nodes" 2>/dev/null | grep -q '"idle\|"mixed\|"allocated'; then
      echo "$url"
      return 0
    fi
    SLURM_CONF="$dir/slurm.conf" scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  log "Slurm did not come up; logs in $dir/log"
  tail -n 20 "$dir"/log/*.log >&2 || true
  exit 1
}

stop() {
  for pidfile in "$dir/run/slurmrestd.pid" "$dir/run/slurmd.pid" "$dir/run/slurmctld.pid"; do
    if running "$pidfile"; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    rm -f "$pidfile"
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restd-stop) restd_stop ;;
  restd-start)
    export SLURM_CONF="$dir/slurm.conf"
    restd_start
    for _ in $(seq 1 50); do curl -s -o /dev/null "$url/" && break; sleep 0.1; done
    ;;
  env)
    echo "export INCUBATOR_TEST_SLURM_URL=$url"
    echo "export INCUBATOR_TEST_SLURM_JWT_KEY=$dir/jwt.key"
    echo "export INCUBATOR_TEST_SLURM_JOB_DIR=$dir/jobs"
    echo "export INCUBATOR_TEST_SLURM_CONF=$dir/slurm.conf"
    ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
