#!/usr/bin/env bash
# bin/bench ctl-startup [--reps 10]: cold wall time and CPU time of dynamodctl --help, list and status X against a
# running host tree (bin/dynamod up -d), each with the flags of bin/dynamodctl, without and with the AOT cache
# bin/dynamodctl makes; the launcher itself (bash, its staleness check, then the cached run); and systemctl --version
# as the peer. The modes take turns run by run, so load that comes and
# goes touches them alike. Prints medians (and min-max); numbers, not a test.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../bin/lib.sh"
JAVA_HOME=$(find_jdk) || exit 127
reps=10
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps=$2; shift 2 ;;
        *) echo "usage: bin/bench ctl-startup [--reps N]" >&2; exit 2 ;;
    esac
done
ensure_built ctl
dir=$(mktemp -d /tmp/dynamod-bench-ctl.XXXXXX)
mkdir -p "$dir/config/services"
printf '[service]\nname = "web"\nexec = ["/bin/sh", "-c", "echo started; exec sleep 100000"]\n' >"$dir/config/services/web.toml"
trap '"$DYNAMOD_HOME/bin/dynamod" down --state "$dir/state" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
"$DYNAMOD_HOME/bin/dynamod" up -d --config "$dir/config" --state "$dir/state" >/dev/null
run="$dir/state/run"
for _ in $(seq 100); do
    "$DYNAMOD_HOME/bin/dynamodctl" is-active --quiet --runtime-dir "$run" web && break
    sleep 0.1
done

jar="$DYNAMOD_HOME/ctl/target/dynamodctl.jar"
cache=$(dynamodctl_aot_cache)
[ -f "$cache" ] || die "no AOT cache at $cache (bin/dynamodctl makes it on its first run)"
plain=("$JAVA_HOME/bin/java" "${DYNAMOD_CLI_JVM_FLAGS[@]}" "@$DYNAMOD_CHRONICLE_ARGS" -jar "$jar")
cached=("$JAVA_HOME/bin/java" "${DYNAMOD_CLI_JVM_FLAGS[@]}" -XX:AOTCache="$cache" -XX:AOTMode=on "@$DYNAMOD_CHRONICLE_ARGS" -jar "$jar")

# One run: "wall_ms cpu_ms" (CPU: user + system of the process and its children, to 10 ms).
times_file="$dir/times"
measure() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f '%U %S' -o "$times_file" "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    awk -v wall=$(((end - start) / 1000000)) '{ printf "%d %d\n", wall, ($1 + $2) * 1000 + 0.5 }' "$times_file"
}

declare -A wall cpu
commands=("--help" "list --runtime-dir $run" "status web --runtime-dir $run")
for ((i = 0; i < reps; i++)); do
    for c in "${commands[@]}"; do
        read -r -a words <<<"$c"
        for mode in plain cached; do
            if [ $mode = plain ]; then r=$(measure "${plain[@]}" "${words[@]}"); else r=$(measure "${cached[@]}" "${words[@]}"); fi
            wall["$mode ${words[0]}"]+="${r% *} "
            cpu["$mode ${words[0]}"]+="${r#* } "
        done
    done
    r=$(measure "$DYNAMOD_HOME/bin/dynamodctl" list --runtime-dir "$run")
    wall["bin/dynamodctl list"]+="${r% *} "
    cpu["bin/dynamodctl list"]+="${r#* } "
    r=$(measure systemctl --version)
    wall["systemctl --version"]+="${r% *} "
    cpu["systemctl --version"]+="${r#* } "
done

# "median (min-max)" of a list of numbers.
stats() {
    tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d (%d-%d)", m, v[1], v[NR] }'
}

echo "dynamodctl start-up, $reps runs each, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ms: median (min-max)"
printf '%-22s %-22s %-22s\n' "command" "wall" "cpu"
for key in "plain --help" "cached --help" "plain list" "cached list" "plain status" "cached status" "bin/dynamodctl list" "systemctl --version"; do
    printf '%-22s %-22s %-22s\n' "$key" "$(stats "${wall[$key]}")" "$(stats "${cpu[$key]}")"
done
