# Shared by the launchers in bin/: find JDK 25, build what is missing, install Debian packages.
# Sourced, not run.

DYNAMOD_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Maven's own libraries use sun.misc.Unsafe, which JDK 25 warns about on every run; the warning is noise.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# The JVM flags Chronicle Queue needs: the journal module's argument file, their one place.
DYNAMOD_CHRONICLE_ARGS="$DYNAMOD_HOME/journal/src/main/resources/dynamod/journal/chronicle.jvmargs"

# The daemons' command lines, into the array COMMAND: the one place for their JVM flags, used by bin/dynamod (host
# mode) and by vmtest/build-image.sh (the guest's /etc/dynamod/svmgr.argv and logd.argv).
#   svmgr_command|logd_command JAVA CLASSPATH CHRONICLE_ARGFILE [more JVM flags...] -- [the daemon's arguments...]
# svmgr: small heap, quick start, Chronicle's flags; -Ddynamod.daemon names them for ps and pgrep -f. (No -Xshare: the
# default CDS archive is used anyway, and -Xshare cannot be combined with the image's -XX:AOTCache.)
svmgr_command() { daemon_command dynamod-svmgr -Xmx256m dynamod.svmgr.Main "$@"; }
logd_command() { daemon_command dynamod-logd -Xmx64m dynamod.logd.Main "$@"; }

daemon_command() {
    local name=$1 heap=$2 main=$3 java=$4 classpath=$5 chronicle=$6 extra=()
    shift 6
    while [ $# -gt 0 ] && [ "$1" != -- ]; do extra+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    COMMAND=("$java" -Ddynamod.daemon="$name" "${extra[@]}" "$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
        -XX:-UsePerfData -Xss512k "@$chronicle" -cp "$classpath" "$main" "$@")
}

# Where vmtest/build-image.sh builds the QEMU image and bin/dynamod demo finds it (docs/vmtest.md).
DYNAMOD_VM_BUILD=${DYNAMOD_VM_BUILD:-$DYNAMOD_HOME/target/vm}

# JVM flags for short-lived commands: quick start matters more than peak speed. (No -Xshare: the default CDS
# archive is used anyway, and -Xshare cannot be combined with an AOT cache.)
DYNAMOD_CLI_JVM_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)

# dynamodctl's AOT cache (JDK 25, JEP 483/514): the classes its commands load, loaded and linked ahead of time.
dynamodctl_aot_cache() {
    echo "$DYNAMOD_HOME/ctl/target/dynamodctl.aot"
}

# Makes dynamodctl's AOT cache when it is missing or older than the jar (a build writes a fresh jar), from the
# training run dynamod.ctl.AotTraining with the flags bin/dynamodctl runs with. Best effort: a cache that cannot be
# made (a read-only tree, an old JDK) only means a slower start, so this never fails.
ensure_dynamodctl_aot() {
    local cache jar tmp
    cache=$(dynamodctl_aot_cache)
    jar="$DYNAMOD_HOME/ctl/target/dynamodctl.jar"
    [ -f "$jar" ] || return 0
    [ -f "$cache" ] && [ "$cache" -nt "$jar" ] && return 0
    [ -w "$(dirname "$cache")" ] || return 0
    tmp="$cache.$$.tmp"
    if "$JAVA_HOME/bin/java" "${DYNAMOD_CLI_JVM_FLAGS[@]}" -XX:AOTCacheOutput="$tmp" "@$DYNAMOD_CHRONICLE_ARGS" \
            -cp "$jar" dynamod.ctl.AotTraining >/dev/null 2>&1 && [ -f "$tmp" ]; then
        mv -f "$tmp" "$cache"
    else
        rm -f "$tmp" "$tmp.config"
    fi
    return 0
}

die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# The major version of the JDK at $1 (from its release file), or nothing if it is not a JDK.
jdk_version() {
    [ -x "$1/bin/java" ] && [ -f "$1/release" ] || return 0
    sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$1/release"
}

# Prints the home of a JDK 25 or newer: $JAVA_HOME if it is one, else the first in $DYNAMOD_JDK_SEARCH
# (default: Temurin 25, any JDK under /usr/lib/jvm, the java on PATH). Explains and fails if there is none.
find_jdk() {
    local candidates=() tried=() home version
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    if [ -n "${DYNAMOD_JDK_SEARCH+set}" ]; then
        read -r -a more <<<"$DYNAMOD_JDK_SEARCH"
        candidates+=("${more[@]}")
    else
        candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*)
        if command -v java >/dev/null 2>&1; then
            candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
        fi
    fi
    for home in "${candidates[@]}"; do
        version=$(jdk_version "$home")
        if [ -n "$version" ] && [ "$version" -ge 25 ]; then
            echo "$home"
            return 0
        fi
        tried+=("$home${version:+ (JDK $version)}")
    done
    {
        echo "$(basename "$0"): dynamod needs a JDK 25 or newer, and none was found."
        echo "  looked at: ${tried[*]:-nothing}"
        echo "  install Temurin 25 (https://adoptium.net; Debian/Ubuntu: apt-get install temurin-25-jdk from"
        echo "  Adoptium's apt repository) at /usr/lib/jvm/temurin-25-jdk-amd64, or set JAVA_HOME to a JDK 25."
    } >&2
    return 1
}

# Installs the Debian packages that provide the given commands, as "command:package" pairs, when a
# command is missing ("/absolute/file:package" pairs check for a file instead: headers, libraries).
# Runs apt-get update at most once per run; needs root.
ensure_commands() {
    local pair thing missing=()
    for pair in "$@"; do
        thing=${pair%%:*}
        if [[ $thing == /* ]]; then
            [ -e "$thing" ] || missing+=("${pair#*:}")
        else
            command -v "$thing" >/dev/null 2>&1 || missing+=("${pair#*:}")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        die "missing Debian packages: ${missing[*]} (install them: apt-get install ${missing[*]})"
    fi
    echo "$(basename "$0"): installing ${missing[*]}" >&2
    if [ -z "${DYNAMOD_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
        export DYNAMOD_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

# Builds the given Maven modules (and what they need) when a jar is missing or a pom.xml or main source is
# newer than it (every build writes fresh jars). Serialised with a lock, so launchers started at once build once.
ensure_built() {
    [ -f "$DYNAMOD_HOME/pom.xml" ] || return 0
    is_stale "$@" || return 0
    mkdir -p "$DYNAMOD_HOME/target"
    exec 9>"$DYNAMOD_HOME/target/launcher-build.lock"
    flock 9
    if is_stale "$@"; then
        ensure_commands mvn:maven gcc:gcc
        local log="$DYNAMOD_HOME/target/launcher-build.log"
        echo "$(basename "$0"): building $* (first run, or sources changed) ..." >&2
        if ! JAVA_HOME="$JAVA_HOME" mvn -q -B -ntp -f "$DYNAMOD_HOME/pom.xml" -DskipTests -pl "$(IFS=,; echo "$*")" -am \
                package >"$log" 2>&1; then
            grep -v -e 'sun.misc.Unsafe' -e '^WARNING:' "$log" | tail -n 40 >&2
            die "the build failed; the whole log is $log"
        fi
    fi
    exec 9>&-
}

# True when a module has no jar, or a pom.xml or main source anywhere is newer than one of its jars.
is_stale() {
    local module jar
    for module in "$@"; do
        for jar in "$DYNAMOD_HOME/$module"/target/*.jar; do
            [ -f "$jar" ] || return 0
            [ -z "$(find "$DYNAMOD_HOME" \( -name .git -o -name target -o -name node_modules \) -prune -o \
                \( -name pom.xml -o -path '*/src/main/*' \) -newer "$jar" -print -quit 2>/dev/null)" ] || return 0
        done
    done
    return 1
}
