package dynamod.vmtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One boot: the image, the disk and root it boots, the kernel command line, the machine, the hard timeout.
 * {@link #of} gives the defaults (the recipe's fastest measured setup); the {@code with} methods change one thing.
 *
 * @param disk the disk attached as {@code /dev/vda}, copy-on-write (QEMU's snapshot=on: the image stays as built)
 * @param root the kernel's {@code root=} (UUID=, LABEL=, PARTUUID= or a device)
 * @param rdinit the program the kernel runs from the initramfs
 * @param kernelArgs more kernel parameters, after the defaults
 * @param timeout the hard limit: QEMU is killed when it runs longer
 * @param shellPort whether the guest gets a virtio-serial port named {@value #SHELL_PORT_NAME} for a {@link GuestShell}
 * @param niceness the host scheduling niceness QEMU runs at (the CI machine is shared)
 * @param dataDisks more disks after {@code disk} ({@code /dev/vdb}, ...), written in place (no snapshot), so that the
 *     host can read what the guest wrote: give each boot its own copy
 */
public record VmSpec(VmImage image, Path disk, String root, String rdinit, List<String> kernelArgs, int cpus, int memoryMb,
        Duration timeout, boolean shellPort, Accelerator accelerator, int niceness, List<Path> dataDisks) {

    /**
     * The parameters every boot gets: console on the serial port; a panic exits QEMU at once (with -no-reboot); no
     * time lost on mitigations, clock checks, PS/2 probing or spare UARTs (vm-recipe.md section 4.3).
     */
    public static final List<String> BASE_KERNEL_ARGS = List.of("console=ttyS0", "quiet", "panic=-1", "mitigations=off",
            "tsc=reliable", "no_timer_check", "i8042.noaux", "i8042.nomux", "i8042.nopnp", "8250.nr_uarts=1",
            "random.trust_cpu=on");

    /** The shell port's name, as the guest sees it in {@code /sys/class/virtio-ports/vport*}{@code /name}. */
    public static final String SHELL_PORT_NAME = "dynamod.shell";

    /** The firmware: qboot starts the kernel faster than SeaBIOS. */
    static final String FIRMWARE = "/usr/share/qemu/qboot.rom";

    public VmSpec {
        Objects.requireNonNull(image);
        Objects.requireNonNull(disk);
        kernelArgs = List.copyOf(kernelArgs);
        dataDisks = List.copyOf(dataDisks);
        if (cpus < 1 || memoryMb < 64) throw new IllegalArgumentException("a VM needs a CPU and 64 MB");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("the timeout must be positive");
    }

    /** The defaults: the bare ext4 root disk by UUID, {@code /init}, 2 CPUs, 512 MB, 5 minutes, TCG unless KVM works. */
    public static VmSpec of(VmImage image) {
        return new VmSpec(image, image.rootDisk(), "UUID=" + image.rootUuid(), "/init", List.of(), 2, 512,
                Duration.ofMinutes(5), false, Accelerator.choose(), 10, List.of());
    }

    public VmSpec withDisk(Path disk, String root) {
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, shellPort, accelerator, niceness, dataDisks);
    }

    public VmSpec withRdinit(String rdinit) {
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, shellPort, accelerator, niceness, dataDisks);
    }

    /** Adds kernel parameters after the ones there are. */
    public VmSpec withKernelArgs(String... args) {
        List<String> all = new ArrayList<>(kernelArgs);
        all.addAll(List.of(args));
        return new VmSpec(image, disk, root, rdinit, all, cpus, memoryMb, timeout, shellPort, accelerator, niceness, dataDisks);
    }

    public VmSpec withTimeout(Duration timeout) {
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, shellPort, accelerator, niceness, dataDisks);
    }

    public VmSpec withShellPort() {
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, true, accelerator, niceness, dataDisks);
    }

    public VmSpec withAccelerator(Accelerator accelerator) {
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, shellPort, accelerator, niceness, dataDisks);
    }

    /** Adds a disk after the ones there are, written in place. */
    public VmSpec withDataDisk(Path dataDisk) {
        List<Path> all = new ArrayList<>(dataDisks);
        all.add(dataDisk);
        return new VmSpec(image, disk, root, rdinit, kernelArgs, cpus, memoryMb, timeout, shellPort, accelerator, niceness, all);
    }

    /** The whole kernel command line. */
    public String kernelCommandLine() {
        List<String> args = new ArrayList<>(BASE_KERNEL_ARGS);
        args.add("rdinit=" + rdinit);
        args.add("root=" + root);
        args.addAll(kernelArgs);
        return String.join(" ", args);
    }

    /**
     * The QEMU command: no default devices, the serial console on stdio (QEMU's stdin and stdout), the disk and the
     * data disks on virtio-blk, and with {@link #shellPort} a virtio-serial port whose other end is the unix socket {@code shellSocket}
     * (QEMU connects to it as a client at start).
     */
    List<String> qemuCommand(Path shellSocket) {
        return qemuCommand(shellSocket, List.of("-serial", "stdio"));
    }

    /**
     * The QEMU command for a person at a terminal ({@link Console}): the serial console on stdio multiplexed with QEMU's
     * monitor, so that Ctrl-A X quits QEMU and Ctrl-A C opens the monitor, and without signals, so that Ctrl-C reaches
     * the guest instead of killing QEMU. The person is the shell: a spec with a shell port has no interactive command.
     */
    public List<String> interactiveQemuCommand() {
        if (shellPort) throw new IllegalStateException("an interactive boot has no shell port (its shell is the console)");
        return qemuCommand(null, List.of("-chardev", "stdio,id=console,mux=on,signal=off", "-serial", "chardev:console",
                "-mon", "chardev=console,mode=readline"));
    }

    private List<String> qemuCommand(Path shellSocket, List<String> serial) {
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", Integer.toString(niceness), "qemu-system-x86_64"));
        cmd.addAll(accelerator.qemuArgs());
        cmd.addAll(List.of("-smp", Integer.toString(cpus), "-m", memoryMb + "M", "-nodefaults", "-no-reboot",
                "-display", "none", "-bios", FIRMWARE, "-kernel", image.kernel().toString(),
                "-initrd", image.initramfs().toString(), "-append", kernelCommandLine()));
        cmd.addAll(serial);
        cmd.addAll(List.of("-drive", "file=" + disk + ",format=raw,if=virtio,snapshot=on"));
        for (Path data : dataDisks) cmd.addAll(List.of("-drive", "file=" + data + ",format=raw,if=virtio"));
        if (shellPort) {
            cmd.addAll(List.of("-device", "virtio-serial-pci", "-chardev", "socket,id=shell,path=" + shellSocket,
                    "-device", "virtserialport,chardev=shell,name=" + SHELL_PORT_NAME));
        }
        return cmd;
    }
}
