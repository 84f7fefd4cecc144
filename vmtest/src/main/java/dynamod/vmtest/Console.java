package dynamod.vmtest;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * The main job ({@code bin/dynamod demo}, docs/vmtest.md): boots the image for a person at a terminal. The guest runs
 * the image's system ({@code /etc/dynamod/system}: the example system and vmtest's services); with
 * {@value #CONSOLE_SHELL_ARG} its {@code console} service opens a shell on the serial console, which is this terminal
 * ({@link VmSpec#interactiveQemuCommand()}). It says how to quit before the boot and how the guest ended after it.
 *
 * <p>Exit status: QEMU's own when it failed; 1 after a kernel panic; 0 after a power-off, a reboot (QEMU runs with
 * {@code -no-reboot}, so a reboot ends it too) or Ctrl-A X.
 *
 * <p>usage: {@code java -cp vmtest/target/classes dynamod.vmtest.Console BUILD_DIR}
 */
public final class Console {

    /** The kernel parameter that gives the console service its shell (image/console-shell). */
    public static final String CONSOLE_SHELL_ARG = "dynamod.console=shell";

    /** How many of the console's last lines are kept to tell how the guest ended (a panic's trace is shorter). */
    private static final int LAST_LINES = 200;

    private Console() {}

    /** The main job's boot: a dynamod boot as the tests make it (root read-write: svmgr writes its journal there). */
    static VmSpec spec(VmImage image) {
        return VmSpec.of(image).withKernelArgs("rw", CONSOLE_SHELL_ARG);
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: Console BUILD_DIR   (the directory vmtest/build-image.sh built the image in)");
            System.exit(2);
        }
        VmSpec spec;
        try {
            spec = spec(VmImage.load(Path.of(args[0])));
        } catch (IllegalStateException e) {
            System.err.println("dynamod demo: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.printf(Locale.ROOT, """
                dynamod demo: booting the example system in QEMU (%s, %d CPUs, %d MB), dynamod-init as PID 1.
                  Under TCG it takes a minute or more; the boot's messages come first, then the console shell's banner.
                  To quit: dynamodctl shutdown poweroff in that shell (every service stops in order, then QEMU exits),
                  or Ctrl-A X to kill QEMU at once (Ctrl-A C: QEMU's monitor; Ctrl-A H: its keys).

                """, spec.accelerator(), spec.cpus(), spec.memoryMb());
        System.out.flush();
        Process qemu = new ProcessBuilder(spec.interactiveQemuCommand()).redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<LineLog.Line> last = forward(qemu.getInputStream(), new FileOutputStream(FileDescriptor.out));
        int status = qemu.waitFor();
        VmResult.Shutdown shutdown = VmResult.Shutdown.of(last);
        System.out.flush();
        System.err.println(System.lineSeparator() + "dynamod demo: " + ending(status, shutdown));
        System.exit(exitStatus(status, shutdown));
    }

    /** What the guest's end and QEMU's exit status say, for the person who watched it. */
    static String ending(int qemuStatus, VmResult.Shutdown shutdown) {
        if (qemuStatus != 0) return "QEMU failed (exit status " + qemuStatus + ")";
        return switch (shutdown) {
            case POWER_OFF -> "the guest powered off; QEMU exited 0";
            case RESTART -> "the guest rebooted, which ends QEMU too (-no-reboot); QEMU exited 0";
            case PANIC -> "the guest's kernel panicked (its message is above)";
            case NONE -> "QEMU was quit (Ctrl-A X) before the guest shut down";
        };
    }

    static int exitStatus(int qemuStatus, VmResult.Shutdown shutdown) {
        if (qemuStatus != 0) return qemuStatus;
        return shutdown == VmResult.Shutdown.PANIC ? 1 : 0;
    }

    /**
     * Copies QEMU's output to the terminal as it comes (a read's bytes at once: a prompt has no line end) and returns
     * its last {@value #LAST_LINES} lines, as the harness's console holds them.
     */
    private static List<LineLog.Line> forward(InputStream from, OutputStream terminal) throws IOException {
        long start = System.nanoTime();
        ArrayDeque<LineLog.Line> last = new ArrayDeque<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int count = 0;
        int n;
        while ((n = from.read(buffer)) > 0) {
            terminal.write(buffer, 0, n);
            terminal.flush();
            for (int i = 0; i < n; i++) {
                if (buffer[i] != '\n') {
                    line.write(buffer[i]);
                    continue;
                }
                if (last.size() == LAST_LINES) last.removeFirst();
                last.addLast(new LineLog.Line(count++, Duration.ofNanos(System.nanoTime() - start),
                        LineLog.plain(line.toString(StandardCharsets.UTF_8))));
                line.reset();
            }
        }
        return List.copyOf(last);
    }
}
