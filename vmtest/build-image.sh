#!/usr/bin/env bash
# Builds the QEMU test image (docs/vmtest.md): the Debian cloud kernel, an uncompressed cpio initramfs and an ext4
# root disk (plain, and GPT-partitioned), each holding a jlinked JDK 25 runtime, glibc, busybox-static and dynamod's
# jars with AOT caches trained in a chroot of the tree itself. Only Debian packages, fetched with apt.
#
# Idempotent: every step keeps a key of its inputs and is skipped while they are unchanged, so a warm run only checks
# its inputs (seconds). Output (and cache) in $DYNAMOD_VM_BUILD, default target/vm of the source tree; the file
# image.properties there names what the vmtest harness boots. Needs root (apt-get, mknod, chroot).
#
# usage: vmtest/build-image.sh [--force]     (--force rebuilds every step)
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/../bin/lib.sh"

BUILD=$DYNAMOD_VM_BUILD
IMAGE_SRC=$DYNAMOD_HOME/vmtest/image
FORCE=0
case "${1:-}" in
    --force) FORCE=1 ;;
    "") ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

# The guest's fixed identities: tests and the kernel command line name the root by them.
ROOT_UUID=5a1e0d00-d1a0-4000-8000-000000000001
ROOT_LABEL=dynamod-root
GPT_DISK_UUID=5a1e0d00-d1a0-4000-8000-0000000000d0
GPT_PART_UUID=5a1e0d00-d1a0-4000-8000-0000000000d1
ROOT_SIZE=768M
# The data disk the root's /etc/fstab mounts on /data (nofail: only the UUID boot attaches it).
DATA_UUID=5a1e0d00-d1a0-4000-8000-0000000000da
DATA_LABEL=dynamod-data
DATA_SIZE=16M

# Where things sit in the guest (both trees): one prefix, documented in docs/vmtest.md.
G=/usr/lib/dynamod
# The runtimes' modules: init needs java.base and jdk.unsupported (sun.misc.Signal); the daemons add what Chronicle
# Queue loads (vm-recipe.md section 7). jdeps also lists java.desktop, java.sql and java.compiler: not used at run time.
INIT_MODULES=java.base,jdk.unsupported
DAEMON_MODULES=java.base,jdk.unsupported,java.logging,java.management,java.naming
# Kernel modules the initramfs loads: the virtio PCI transport, the disk and the console ports (ext4 is built in).
KERNEL_MODULES=(virtio_pci virtio_blk virtio_console)
# The JVM flags the AOT caches are trained with and must be used with. Adapters and stubs are generated for the
# host CPU and would SIGILL on QEMU's default CPU (vm-recipe.md section 6.4); C1 only (section 6.5).
AOT_TRAIN_FLAGS=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching)
# ArchiveRelocationMode=0 maps the cache where it was built to be (JDK 25 relocates it by default, for ASLR): patching
# every pointer of a 14 MB cache under TCG made init's start 2-3 times slower than no cache at all (docs/vmtest.md).
GUEST_JVM_FLAGS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss256k
    -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)

say() { echo "build-image: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root: it installs Debian packages, makes device nodes and trains AOT caches in a chroot"
JAVA_HOME=$(find_jdk) || exit 127
ensure_commands qemu-system-x86_64:qemu-system-x86 cpio:cpio mkfs.ext4:e2fsprogs sfdisk:fdisk depmod:kmod \
    modprobe:kmod unshare:util-linux unzip:unzip
# Maven's reactor (mvn -pl vmtest -am verify) has just packaged the jars; run alone, the script builds them itself.
[ -n "${DYNAMOD_VM_JARS_BUILT:-}" ] || ensure_built ctl
mkdir -p "$BUILD/downloads"
BUILD=$(readlink -f "$BUILD")
# One build at a time per directory (two test runs at once would otherwise stage over each other).
exec 8>"$BUILD/.lock"
flock 8
started=$(date +%s%N)

# --- step caching -------------------------------------------------------------------------------------------------

# file_digest FILE: its contents; a jar by its entries' names and CRCs, because every Maven package writes a new jar
# (new entry dates) even when no class changed.
file_digest() {
    case $1 in
        # (no /x{8}/: mawk, Debian's awk, has no interval expressions, and every jar would digest alike)
        *.jar) unzip -v "$1" | awk 'NR > 3 && length($7) == 8 && $7 ~ /^[0-9a-f]+$/ {print $7, $8}' | sha256sum ;;
        *) sha256sum <"$1" ;;
    esac
}

# key_of WORDS...: a digest of the words, where a word naming an existing file or directory stands for its contents.
key_of() {
    local w f
    for w in "$@"; do
        if [ -d "$w" ]; then
            while IFS= read -r -d '' f; do echo "$f $(file_digest "$w/$f")"; done \
                < <(cd "$w" && find . -type f -print0 | LC_ALL=C sort -z)
        elif [ -f "$w" ]; then
            file_digest "$w"
        else
            echo "$w"
        fi
    done | sha256sum | cut -c1-32
}

# up_to_date STEP KEY: true when STEP last completed with KEY (and --force was not given).
up_to_date() {
    [ "$FORCE" = 0 ] && [ -f "$BUILD/.step-$1" ] && [ "$(cat "$BUILD/.step-$1")" = "$2" ]
}

done_step() { echo "$2" >"$BUILD/.step-$1"; }

# --- Debian packages: the kernel and busybox-static, unpacked, not installed -------------------------------------

# The versioned kernel package the cloud meta-package points to now (DYNAMOD_VM_KERNEL_PACKAGE pins another).
kernel_package() {
    if [ -n "${DYNAMOD_VM_KERNEL_PACKAGE:-}" ]; then echo "$DYNAMOD_VM_KERNEL_PACKAGE"; return; fi
    apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1
}

KPKG=$(kernel_package)
if [ -z "$KPKG" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    export DYNAMOD_APT_UPDATED=1
    KPKG=$(kernel_package)
    [ -n "$KPKG" ] || die "apt knows no linux-image-cloud-amd64 (is a Debian main repository configured?)"
fi
KVER=${KPKG#linux-image-}

# unpack PACKAGE DIR: downloads PACKAGE's current .deb once and extracts it to DIR.
unpack() {
    local package=$1 dir=$2 version
    version=$(apt-cache policy "$package" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if up_to_date "unpack-$package" "$version" && [ -d "$dir" ]; then return; fi
    [ -n "$version" ] && [ "$version" != "(none)" ] || die "apt has no package $package"
    say "downloading $package $version"
    rm -f "$BUILD/downloads/${package}_"*.deb
    (cd "$BUILD/downloads" && apt-get download -qq "$package" 2>&1 | grep -v 'unsandboxed as root' >&2 || true)
    local deb
    deb=$(ls "$BUILD/downloads/${package}_"*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || die "apt-get download $package failed"
    rm -rf "$dir" && mkdir -p "$dir"
    dpkg-deb -x "$deb" "$dir"
    done_step "unpack-$package" "$version"
}

unpack "$KPKG" "$BUILD/kernel"
unpack busybox-static "$BUILD/busybox"
# systemd-notify for the example system's api (type = "notify"), and its private library (its own package in Debian
# 12); only those and the libraries they need go into the root disk.
unpack systemd "$BUILD/systemd"
unpack libsystemd-shared "$BUILD/libsystemd-shared"
KERNEL=$BUILD/kernel/boot/vmlinuz-$KVER
[ -f "$KERNEL" ] || die "$KPKG has no /boot/vmlinuz-$KVER"
# The .deb ships no modules.dep (its postinst makes it).
[ -f "$BUILD/kernel/lib/modules/$KVER/modules.dep" ] || depmod -b "$BUILD/kernel" "$KVER"

# --- the jlinked runtimes -----------------------------------------------------------------------------------------

# runtime NAME MODULES: a jlink image of JAVA_HOME with MODULES in $BUILD/runtime-NAME.
runtime() {
    local name=$1 modules=$2 out=$BUILD/runtime-$1 key
    key=$(key_of "$JAVA_HOME/release" "$modules" v1)
    if up_to_date "runtime-$name" "$key" && [ -d "$out" ]; then return; fi
    say "jlink $name runtime ($modules)"
    rm -rf "$out"
    # (The CDS step warns about the classes of modules left out: noise, in the log.)
    "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --compress=zip-6 --generate-cds-archive --output "$out" >"$BUILD/jlink-$name.log" 2>&1 ||
        { tail -n 20 "$BUILD/jlink-$name.log" >&2; die "jlink failed; the whole log is $BUILD/jlink-$name.log"; }
    # Used only with -XX:-UseCompressedOops, which the guest never sets; 10+ MB less to unpack.
    rm -f "$out/lib/server/classes_nocoops.jsa"
    done_step "runtime-$name" "$key"
}

runtime init "$INIT_MODULES"
runtime daemons "$DAEMON_MODULES"

# --- staging the trees --------------------------------------------------------------------------------------------

LIB=$DYNAMOD_HOME/ctl/target/lib
EXEC_HELPER=$DYNAMOD_HOME/linux/target/native/dynamod-exec
[ -x "$EXEC_HELPER" ] && [ -f "$LIB/dynamod-init.jar" ] && [ -f "$DYNAMOD_HOME/ctl/target/dynamodctl.jar" ] ||
    die "the jars or dynamod-exec are missing: mvn -pl ctl -am package builds them"

# The system libraries (glibc) the ELF files under the given directories need, as absolute host paths; what they
# find next to themselves ($ORIGIN: the runtime's own libraries) is left out.
needed_libs() {
    find "$@" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print0 |
        xargs -0r -n 1 ldd 2>/dev/null |
        sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*ld-linux[^ ]*\) (0x.*$/\1/p' |
        grep -E '^/(usr/)?lib(64|/x86_64-linux-gnu)/' | sort -u
}

# copy_needed_libs TREE PATHS...: the system libraries the ELF files under PATHS need, copied into TREE at their paths.
copy_needed_libs() {
    local t=$1 lib
    shift
    for lib in $(needed_libs "$@"); do
        mkdir -p "$t$(dirname "$lib")"
        cp -L --preserve=mode,timestamps "$lib" "$t$lib"
    done
}

# add_systemd_notify TREE: Debian's systemd-notify (unpacked, not installed) with its private libsystemd-shared where
# its RUNPATH looks, and the host's libraries that one needs. ldd resolves libsystemd-shared in the unpacked package.
add_systemd_notify() {
    local t=$1 private=usr/lib/x86_64-linux-gnu/systemd missing
    mkdir -p "$t/usr/bin" "$t/$private"
    cp -a "$BUILD/systemd/bin/systemd-notify" "$t/usr/bin/"
    cp -a "$BUILD/libsystemd-shared/$private/"libsystemd-shared-*.so "$t/$private/"
    missing=$(LD_LIBRARY_PATH="$t/$private" ldd "$t/usr/bin/systemd-notify" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found$/\1/p')
    [ -z "$missing" ] || die "systemd-notify needs libraries this machine lacks: $missing (apt-get install systemd installs them)"
    LD_LIBRARY_PATH="$t/$private" copy_needed_libs "$t" "$t/usr/bin/systemd-notify" "$t/$private"
}

# common_tree DIR RUNTIME: what both trees hold, the runtime, glibc, busybox and its applets, the exec helper.
common_tree() {
    local t=$1 rt=$2 lib
    rm -rf "$t"
    mkdir -p "$t"/{bin,sbin,etc,dev,proc,sys,run,tmp,root,var,lib64,lib/x86_64-linux-gnu} "$t$G"/{lib,libexec,aot,vmtest}
    chmod 1777 "$t/tmp"
    cp -a "$rt" "$t$G/jdk"
    cp -a "$EXEC_HELPER" "$t$G/libexec/"
    copy_needed_libs "$t" "$t$G"
    cp -a "$BUILD/busybox/bin/busybox" "$t/bin/busybox"
    local applet
    for applet in $("$t/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$t/bin/$applet"
    done
    ln -s ../bin/busybox "$t/sbin/busybox"
    # The kernel opens /dev/console for init before anything is mounted; the JVM wants /dev/urandom early.
    mknod -m 600 "$t/dev/console" c 5 1
    mknod -m 666 "$t/dev/null" c 1 3
    mknod -m 666 "$t/dev/zero" c 1 5
    mknod -m 666 "$t/dev/random" c 1 8
    mknod -m 666 "$t/dev/urandom" c 1 9
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$t/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$t/etc/group"
    cp "$IMAGE_SRC/stub-initramfs" "$IMAGE_SRC/stub-root" "$IMAGE_SRC/guest-shell" "$t$G/vmtest/"
    chmod 755 "$t$G/vmtest/"*
}

# train TREE CACHE JAVA ARGS...: runs the guest's JAVA with ARGS in a chroot of TREE, with /proc mounted in a private
# mount namespace, writing the AOT cache TREE$CACHE at its exit.
train() {
    local t=$1 cache=$2 java=$3
    shift 3
    rm -f "$t$cache"
    # The cache records the jars and runtime by path, size and mtime: trained where the guest runs them.
    unshare --mount --fork sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$t" "$t" \
        /bin/env -i PATH=/bin LD_LIBRARY_PATH=$G/jdk/lib "$java" -XX:AOTCacheOutput="$cache" "${AOT_TRAIN_FLAGS[@]}" "$@" \
        >"$BUILD/train-$(basename "$cache").log" 2>&1 || true
    [ -s "$t$cache" ] || { cat "$BUILD/train-$(basename "$cache").log" >&2; die "training $cache wrote no cache"; }
    rm -rf "$t/tmp/"* "$t/run/"*
}

# argfile FILE ARGS...: a java @argfile, one argument a line (the guest's launch flags, in one place per program).
argfile() {
    local file=$1
    shift
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$@" >"$file"
}

# dynamod-init's launcher (the initramfs's /init, the root's /sbin/dynamod-init); it runs java @$G/jvm/init.args.
LAUNCHER=$DYNAMOD_HOME/init/src/main/dist/dynamod-init

# init's JVM: what the launcher and bin/dynamod give it (small, C1 only), the exec helper's place, its two jars.
INIT_JVM_ARGS=(-Ddynamod.daemon=dynamod-init "${GUEST_JVM_FLAGS[@]}" -Xmx16m -Xms4m -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=8m
    -XX:MaxMetaspaceSize=24m --enable-native-access=ALL-UNNAMED -Ddynamod.exec.helper=$G/libexec/dynamod-exec
    -cp "$G/lib/dynamod-init.jar:$G/lib/dynamod-linux.jar")

# train_init TREE: init's AOT cache and argfile in TREE. Trained in host mode over a stand-in svmgr that asks it to
# stop after a second: the FFM bindings, spawn, the reaper, the signal path and the ordered stop.
train_init() {
    local t=$1
    printf '#!/bin/sh\nsleep 1\nkill -TERM %s\n' '$PPID' >"$t/tmp/svmgr-stand-in" && chmod 755 "$t/tmp/svmgr-stand-in"
    train "$t" "$G/aot/init.aot" $G/jdk/bin/java "${INIT_JVM_ARGS[@]}" dynamod.init.Init \
        --state /run/dynamod --restart-delay 100 -- /tmp/svmgr-stand-in
    rm -f "$t/tmp/svmgr-stand-in"
    argfile "$t$G/jvm/init.args" "${INIT_JVM_ARGS[@]}" -XX:AOTCache=$G/aot/init.aot
}

# guest_classpath TREE: the jars of TREE$G/lib as the guest's classpath, spelled out in a fixed order. An AOT cache only
# validates against the classpath it was made with, and a wildcard (lib/*) expands in directory order, which differs
# between the staging tree and the disk.
guest_classpath() {
    (cd "$1$G/lib" && ls | LC_ALL=C sort | sed "s|^|$G/lib/|" | paste -sd :)
}

# The training system's place in the tree (under /tmp: train() empties it, so its journal, index and sockets stay out
# of the image) and the trainer, its last service: once svmgr and logd are up it asks svmgr (list, status) and logd
# (logs, over its query socket), then for the ordered stop, which stops logd (SIGTERM: its JVM writes logd.aot) and
# ends svmgr (its JVM writes svmgr.aot). It gives up waiting after a minute and stops all the same.
DAEMON_TRAINING=/tmp/train-daemons
DAEMON_TRAINER='#!/bin/sh
exec >/root/aot-trainer.log 2>&1
export DYNAMOD_RUNTIME_DIR=$1/state/run
i=0
until [ -S "$DYNAMOD_RUNTIME_DIR/logd.sock" ] && dynamodctl logs --state "$1/state" -u hello -n 5 | grep -q "hello from"; do
    i=$((i + 1)); [ $i -lt 60 ] || { echo "aot-trainer: logd never answered" >&2; break; }
    sleep 1
done
dynamodctl list && dynamodctl status ticker
dynamodctl shutdown exit'

# train_daemons TREE GUEST_DAEMON...: svmgr's and logd's AOT caches in TREE, trained with their guest command lines
# (GUEST_DAEMON: svmgr_command's and logd_command's JAVA CLASSPATH CHRONICLE_ARGFILE and JVM flags). svmgr runs alone
# (no --init-fd: no init) over the image's test system plus the trainer: loading the configuration, the journal,
# spawning and reaping, logd with its sockets and index, the control socket, the ordered stop. logd runs as a configured
# dynamod-logd (it replaces the built-in one): logd_command's line plus -XX:AOTCacheOutput, and a stop timeout long
# enough for its JVM to write the cache at its exit (5-10 s on a loaded host: the built-in's 10 s would kill it). A
# watchdog ends svmgr after 5 minutes. The trainer's output goes to $BUILD/train-aot-trainer.log.
train_daemons() {
    local t=$1 w=$DAEMON_TRAINING watchdog exec
    shift
    mkdir -p "$t$w/config/services"
    # vmtest's own services only: the example system's would serve on the build host's network from the chroot.
    cp "$IMAGE_SRC/system/services/"*.toml "$t$w/config/services/"
    printf '%s\n' "$DAEMON_TRAINER" >"$t$w/trainer" && chmod 755 "$t$w/trainer"
    printf '%s\n' '[service]' 'name = "aot-trainer"' 'description = "build-image.sh: trains svmgr and logd, then stops them"' \
        "exec = [\"$w/trainer\", \"$w\"]" '' '[restart]' 'policy = "temporary"' '' '[dependencies]' \
        'after = ["ticker", "dynamod-logd"]' >"$t$w/config/services/aot-trainer.toml"
    logd_command "$@" -XX:AOTCacheOutput=$G/aot/logd.aot "${AOT_TRAIN_FLAGS[@]}" -- --state $w/state
    exec=$(printf '"%s", ' "${COMMAND[@]}")
    printf '%s\n' '[service]' 'name = "dynamod-logd"' 'description = "dynamod-logd, trained"' "exec = [${exec%, }]" '' \
        '[shutdown]' 'stop-timeout = "2m"' >"$t$w/config/services/dynamod-logd.toml"
    rm -f "$t$G/aot/logd.aot" "$t/root/aot-trainer.log"
    (
        trap 'kill $sleeper 2>/dev/null; exit 0' TERM
        sleep 300 & sleeper=$!
        wait $sleeper
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/root")" = "$t" ] && grep -qa daemon=dynamod-svmgr "$p/cmdline" && kill -TERM "${p#/proc/}"
        done
        exit 0
    ) &
    watchdog=$!
    svmgr_command "$@" -- --config $w/config --state $w/state
    train "$t" "$G/aot/svmgr.aot" "${COMMAND[@]}"
    kill $watchdog 2>/dev/null || true
    wait $watchdog 2>/dev/null || true
    mv -f "$t/root/aot-trainer.log" "$BUILD/train-aot-trainer.log" 2>/dev/null || true
    [ -s "$t$G/aot/logd.aot" ] || { cat "$BUILD/train-svmgr.aot.log" >&2; die "training svmgr wrote no logd.aot (its log above)"; }
}

# The initramfs: the init runtime, init's two jars and its AOT cache, the kernel modules, /init.
# (The steps' own outputs count by their keys: hashing a runtime's 60 MB each run would make a warm run slow.)
key=$(key_of "$BUILD/.step-runtime-init" "$LIB/dynamod-init.jar" "$LIB/dynamod-linux.jar" "$EXEC_HELPER" "$IMAGE_SRC" \
    "$BUILD/.step-unpack-busybox-static" "$BUILD/.step-unpack-$KPKG" "${KERNEL_MODULES[*]}" "$LAUNCHER" "$0")
if ! up_to_date initramfs "$key" || [ ! -f "$BUILD/initramfs.cpio" ]; then
    say "staging the initramfs"
    T=$BUILD/initramfs
    common_tree "$T" "$BUILD/runtime-init"
    mkdir -p "$T/newroot" "$T$G/initramfs"
    cp --preserve=mode,timestamps "$LIB/dynamod-init.jar" "$LIB/dynamod-linux.jar" "$T$G/lib/"
    # The modules in load order (modprobe resolves the dependencies), and a modules.dep for modprobe-style loaders.
    : >"$T$G/initramfs/modules"
    for ko in $(modprobe -a -d "$BUILD/kernel" -S "$KVER" --show-depends "${KERNEL_MODULES[@]}" | awk '$1 == "insmod" {print $2}'); do
        rel=${ko#"$BUILD/kernel"}
        grep -qxF "$rel" "$T$G/initramfs/modules" && continue
        mkdir -p "$T$(dirname "$rel")"
        cp --preserve=timestamps "$ko" "$T$rel"
        echo "$rel" >>"$T$G/initramfs/modules"
    done
    cp "$BUILD/kernel/lib/modules/$KVER/"modules.{order,builtin,builtin.modinfo} "$T/lib/modules/$KVER/"
    depmod -b "$T" "$KVER"
    # dynamod-init as the initramfs's init (docs/pid1.md); the stubs stay at $G/vmtest for rdinit=.
    cp "$LAUNCHER" "$T/init" && chmod 755 "$T/init"
    say "training init's AOT cache (host mode, a few seconds)"
    train_init "$T"
    say "packing initramfs.cpio"
    (cd "$T" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) >"$BUILD/initramfs.cpio.new"
    mv "$BUILD/initramfs.cpio.new" "$BUILD/initramfs.cpio"
    done_step initramfs "$key"
fi

# The root disk: the daemons' runtime, every jar, the example system and the test system, AOT caches.
key=$(key_of "$BUILD/.step-runtime-daemons" "$LIB" "$DYNAMOD_HOME/ctl/target/dynamodctl.jar" "$EXEC_HELPER" "$IMAGE_SRC" \
    "$DYNAMOD_HOME/conf/examples" "$DYNAMOD_CHRONICLE_ARGS" \
    "$BUILD/.step-unpack-busybox-static" "$BUILD/.step-unpack-systemd" "$BUILD/.step-unpack-libsystemd-shared" "$LAUNCHER" "$DYNAMOD_HOME/bin/lib.sh" "$ROOT_UUID $ROOT_LABEL $ROOT_SIZE $GPT_DISK_UUID $GPT_PART_UUID" "$0")
if ! up_to_date rootdisk "$key" || [ ! -f "$BUILD/root.ext4" ] || [ ! -f "$BUILD/root-gpt.img" ]; then
    say "staging the root disk"
    T=$BUILD/rootfs
    common_tree "$T" "$BUILD/runtime-daemons"
    mkdir -p "$T/etc/dynamod" "$T/var/lib/dynamod"
    cp --preserve=mode,timestamps "$LIB/"*.jar "$DYNAMOD_HOME/ctl/target/dynamodctl.jar" "$T$G/lib/"
    # The system svmgr boots: the example system (conf/examples, what the main job shows) and vmtest's services
    # (hello, ticker, the harness's shell, the main job's console) together, so one boot serves the tests and the demo.
    mkdir -p "$T/etc/dynamod/system"
    cp -r "$DYNAMOD_HOME/conf/examples/." "$IMAGE_SRC/system/." "$T/etc/dynamod/system/"
    cp "$IMAGE_SRC/console-shell" "$T$G/libexec/" && chmod 755 "$T$G/libexec/console-shell"
    add_systemd_notify "$T"
    # The cgroup and namespace checks' services, which DynamodBootIT loads into one boot by a reload.
    cp -r "$IMAGE_SRC/isolation" "$T$G/vmtest/isolation"
    # dynamod-init as the real root's init: what the initramfs phase execs (init=, default /sbin/dynamod-init), and
    # /sbin/init for a boot without an initramfs.
    cp "$LAUNCHER" "$T/sbin/dynamod-init" && chmod 755 "$T/sbin/dynamod-init"
    ln -s dynamod-init "$T/sbin/init"
    # svmgr's and logd's command lines, from bin/lib.sh's one definition, with the guest's paths. svmgr boots
    # /etc/dynamod/system (dynamod.config=DIR on the kernel command line boots another).
    mkdir -p "$T$G/jvm" && cp "$DYNAMOD_CHRONICLE_ARGS" "$T$G/jvm/chronicle.args"
    # Their AOT caches (train_daemons), mapped where they were built, and the classpath they validate against.
    guest_daemon=($G/jdk/bin/java "$(guest_classpath "$T")" "$G/jvm/chronicle.args" -Ddynamod.exec.helper=$G/libexec/dynamod-exec
        -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0)
    logd_command "${guest_daemon[@]}" -XX:AOTCache=$G/aot/logd.aot -- --state /var/lib/dynamod
    printf '%s\n' "${COMMAND[@]}" >"$T/etc/dynamod/logd.argv"
    svmgr_command "${guest_daemon[@]}" -XX:AOTCache=$G/aot/svmgr.aot -- --config /etc/dynamod/system --state /var/lib/dynamod --logd-argv /etc/dynamod/logd.argv --logd-kmsg /dev/kmsg
    printf '%s\n' "${COMMAND[@]}" >"$T/etc/dynamod/svmgr.argv"
    daemon_cp=$(guest_classpath "$T")
    mapfile -t chronicle_flags <"$DYNAMOD_CHRONICLE_ARGS"
    ctl_args=("${GUEST_JVM_FLAGS[@]}" -Xmx64m "${chronicle_flags[@]}" -Ddynamod.exec.helper=$G/libexec/dynamod-exec -cp "$daemon_cp")
    say "training init's and dynamodctl's AOT caches"
    train_init "$T"
    train "$T" "$G/aot/dynamodctl.aot" $G/jdk/bin/java "${ctl_args[@]}" dynamod.ctl.Dynamodctl check /etc/dynamod/system
    # The training ran dynamodctl check on the guest's system: the image holds only a system that loads cleanly.
    check=$(grep '^/etc/dynamod/system: ' "$BUILD/train-dynamodctl.aot.log" || true)
    case $check in
        "" | *error*) cat "$BUILD/train-dynamodctl.aot.log" >&2; die "dynamodctl check /etc/dynamod/system in the image: ${check:-no summary}" ;;
    esac
    say "$check"
    argfile "$T$G/jvm/dynamodctl.args" "${ctl_args[@]}" -XX:AOTCache=$G/aot/dynamodctl.aot
    # dynamodctl on the guest's PATH, with its cache and argfile.
    mkdir -p "$T/usr/bin"
    printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/jdk/lib exec %s/jdk/bin/java @%s/jvm/dynamodctl.args dynamod.ctl.Dynamodctl "$@"\n' \
        "$G" "$G" "$G" >"$T/usr/bin/dynamodctl" && chmod 755 "$T/usr/bin/dynamodctl"
    say "training svmgr's and logd's AOT caches (svmgr over the test system, then its ordered stop)"
    train_daemons "$T" "${guest_daemon[@]}"
    # The root by UUID (the boots give ro on the command line: init remounts it read-write as this says) and the data
    # disk by label; /data is not made here, init makes missing mount points.
    printf '%s\n' '# /etc/fstab of the vmtest image (docs/vmtest.md)' \
        "UUID=$ROOT_UUID / ext4 defaults 0 1" \
        "LABEL=$DATA_LABEL /data ext4 nofail 0 2" >"$T/etc/fstab"
    say "making root.ext4 and root-gpt.img"
    rm -f "$BUILD/root.ext4" "$BUILD/root-gpt.img"
    mkfs.ext4 -q -F -L "$ROOT_LABEL" -U "$ROOT_UUID" -E root_owner=0:0 -d "$T" "$BUILD/root.ext4" "$ROOT_SIZE" >/dev/null
    # The same file system as partition 1 of a GPT disk (1 MiB aligned), for root=PARTUUID=.
    root_bytes=$(stat -c %s "$BUILD/root.ext4")
    truncate -s $((root_bytes + 2 * 1024 * 1024)) "$BUILD/root-gpt.img"
    printf 'label: gpt\nlabel-id: %s\nstart=2048, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=%s, name="%s"\n' \
        "$GPT_DISK_UUID" $((root_bytes / 512)) "$GPT_PART_UUID" "$ROOT_LABEL" | sfdisk -q "$BUILD/root-gpt.img" >/dev/null
    dd if="$BUILD/root.ext4" of="$BUILD/root-gpt.img" bs=1M seek=1 conv=notrunc,sparse status=none
    done_step rootdisk "$key"
fi

# The data disk: a small ext4 with one file, which a boot attaches as a copy of its own (it is written in place).
key=$(key_of "$DATA_UUID $DATA_LABEL $DATA_SIZE" "$0")
if ! up_to_date datadisk "$key" || [ ! -f "$BUILD/data.ext4" ]; then
    say "making data.ext4"
    rm -rf "$BUILD/data" "$BUILD/data.ext4" && mkdir -p "$BUILD/data"
    echo "made by build-image.sh" >"$BUILD/data/image-file"
    mkfs.ext4 -q -F -L "$DATA_LABEL" -U "$DATA_UUID" -E root_owner=0:0 -d "$BUILD/data" "$BUILD/data.ext4" "$DATA_SIZE" >/dev/null
    done_step datadisk "$key"
fi

# What the harness boots (dynamod.vmtest.VmImage reads this).
cat >"$BUILD/image.properties.new" <<PROPERTIES
# Written by vmtest/build-image.sh; paths are on the host.
kernel=$KERNEL
kernel.package=$KPKG
kernel.version=$KVER
initramfs=$BUILD/initramfs.cpio
root.disk=$BUILD/root.ext4
root.gpt.disk=$BUILD/root-gpt.img
root.uuid=$ROOT_UUID
root.label=$ROOT_LABEL
root.gpt.partuuid=$GPT_PART_UUID
data.disk=$BUILD/data.ext4
data.label=$DATA_LABEL
PROPERTIES
mv "$BUILD/image.properties.new" "$BUILD/image.properties"
say "image ready in $BUILD ($(( ($(date +%s%N) - started) / 1000000 )) ms; initramfs $(du -m "$BUILD/initramfs.cpio" | cut -f1) MB, root disk $(du -m "$BUILD/root.ext4" | cut -f1) MB used)"
