package dynamod.vmtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How QEMU runs the guest's CPU. TCG (emulation) always works. KVM only where a hardware KVM module is loaded: a
 * {@code /dev/kvm} can come from other hypervisors too, such as PVM on the CI machine, which cannot run a stock
 * kernel at any useful speed (vm-recipe.md section 0).
 */
public enum Accelerator {
    TCG(List.of("-accel", "tcg")),
    KVM(List.of("-accel", "kvm", "-cpu", "host"));

    /** System property that picks one outright: {@code tcg} or {@code kvm}. */
    public static final String PROPERTY = "dynamod.vmtest.accel";

    private final List<String> qemuArgs;

    Accelerator(List<String> qemuArgs) {
        this.qemuArgs = qemuArgs;
    }

    List<String> qemuArgs() {
        return qemuArgs;
    }

    /** The {@value #PROPERTY} choice if set, else {@link #detect(Path, Path)} on this machine. */
    public static Accelerator choose() {
        String chosen = System.getProperty(PROPERTY, "");
        if (!chosen.isBlank()) {
            try {
                return valueOf(chosen.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + chosen + ": expected tcg or kvm");
            }
        }
        return detect(Path.of("/sys/module"), Path.of("/dev/kvm"));
    }

    /** KVM when kvm_intel or kvm_amd is loaded (a directory under {@code sysModule}) and {@code devKvm} opens for us. */
    static Accelerator detect(Path sysModule, Path devKvm) {
        boolean hardware = Files.isDirectory(sysModule.resolve("kvm_intel")) || Files.isDirectory(sysModule.resolve("kvm_amd"));
        return hardware && Files.isReadable(devKvm) && Files.isWritable(devKvm) ? KVM : TCG;
    }
}
